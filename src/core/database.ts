/**
 * A thin layer over sqlite-wasm's oo1 `DB`: cached prepared statements and row helpers. Every
 * statement text is a named constant next to the code that runs it; this file only runs them.
 */
import type {
  BindingSpec,
  Database as OoDatabase,
  PreparedStatement,
  Sqlite3Static,
  SqlValue,
} from '@sqlite.org/sqlite-wasm';

export type Row = Record<string, SqlValue>;
export type Params = readonly (SqlValue | boolean | undefined)[];

export class Database {
  readonly sqlite3: Sqlite3Static;
  readonly raw: OoDatabase;
  readonly #statements = new Map<string, PreparedStatement>();

  constructor(sqlite3: Sqlite3Static, raw: OoDatabase) {
    this.sqlite3 = sqlite3;
    this.raw = raw;
  }

  #prepare(sql: string, params: Params): PreparedStatement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.raw.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    if (params.length > 0) stmt.bind(params.map((p) => (p === undefined ? null : p)) as BindingSpec);
    return stmt;
  }

  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params: Params = []): number {
    const stmt = this.#prepare(sql, params);
    try {
      stmt.step();
    } finally {
      stmt.reset(true);
    }
    return this.raw.changes();
  }

  /** Runs an INSERT and returns the new row's rowid. */
  insert(sql: string, params: Params = []): number {
    this.run(sql, params);
    return Number(this.sqlite3.capi.sqlite3_last_insert_rowid(this.raw));
  }

  get(sql: string, params: Params = []): Row | undefined {
    const stmt = this.#prepare(sql, params);
    try {
      return stmt.step() ? (stmt.get({}) as Row) : undefined;
    } finally {
      stmt.reset(true);
    }
  }

  all(sql: string, params: Params = []): Row[] {
    const stmt = this.#prepare(sql, params);
    const rows: Row[] = [];
    try {
      while (stmt.step()) rows.push(stmt.get({}) as Row);
    } finally {
      stmt.reset(true);
    }
    return rows;
  }

  /** The first column of the first row, or undefined. */
  value(sql: string, params: Params = []): SqlValue | undefined {
    const stmt = this.#prepare(sql, params);
    try {
      return stmt.step() ? stmt.get(0) : undefined;
    } finally {
      stmt.reset(true);
    }
  }

  /** The first column of every row. */
  column(sql: string, params: Params = []): SqlValue[] {
    const stmt = this.#prepare(sql, params);
    const out: SqlValue[] = [];
    try {
      while (stmt.step()) out.push(stmt.get(0));
    } finally {
      stmt.reset(true);
    }
    return out;
  }

  /** Runs SQL text that may hold several statements and takes no parameters. */
  exec(sql: string): void {
    this.raw.exec(sql);
  }

  /** Runs `fn` in a write transaction: all of its changes commit, or none do. */
  transaction<T>(fn: () => T): T {
    this.raw.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.raw.exec('COMMIT');
      return result;
    } catch (error) {
      if (!this.raw.isOpen()) throw error;
      // A failed COMMIT (SQLITE_FULL) may already have rolled back; ROLLBACK then errors harmlessly.
      if (this.sqlite3.capi.sqlite3_get_autocommit(this.raw) === 0) this.raw.exec('ROLLBACK');
      throw error;
    }
  }

  get inTransaction(): boolean {
    return this.sqlite3.capi.sqlite3_get_autocommit(this.raw) === 0;
  }

  close(): void {
    for (const stmt of this.#statements.values()) stmt.finalize();
    this.#statements.clear();
    if (this.raw.isOpen()) this.raw.close();
  }
}

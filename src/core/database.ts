/**
 * A thin layer over sqlite-wasm's oo1 `DB`: cached prepared statements and row helpers. Every
 * statement text is a named constant next to the code that runs it; this file only runs them.
 */
import type {
  Database as OoDatabase,
  PreparedStatement,
  Sqlite3Static,
  SqlValue,
} from '@sqlite.org/sqlite-wasm';

export type Row = Record<string, SqlValue>;
export type Params = readonly (SqlValue | boolean | undefined)[];

const SQLITE_ROW = 100;
const SQLITE_DONE = 101;
const SQLITE_INTEGER = 1;
const SQLITE_FLOAT = 2;
const SQLITE_TEXT = 3;
const SQLITE_BLOB = 4;

/** The raw wasm exports this file calls directly (see Database). */
interface Exports {
  sqlite3_bind_null(stmt: number, i: number): number;
  sqlite3_bind_int64(stmt: number, i: number, value: bigint): number;
  sqlite3_bind_double(stmt: number, i: number, value: number): number;
  sqlite3_bind_text(stmt: number, i: number, text: number, bytes: number, destructor: number): number;
  sqlite3_bind_blob(stmt: number, i: number, blob: number, bytes: number, destructor: number): number;
  sqlite3_malloc(bytes: number): number;
  sqlite3_free(pointer: number): void;
  sqlite3_step(stmt: number): number;
  sqlite3_reset(stmt: number): number;
  sqlite3_clear_bindings(stmt: number): number;
  sqlite3_column_count(stmt: number): number;
  sqlite3_column_type(stmt: number, i: number): number;
  sqlite3_column_int64(stmt: number, i: number): bigint;
  sqlite3_column_double(stmt: number, i: number): number;
  sqlite3_column_text(stmt: number, i: number): number;
  sqlite3_column_blob(stmt: number, i: number): number;
  sqlite3_column_bytes(stmt: number, i: number): number;
  sqlite3_changes(db: number): number;
  sqlite3_last_insert_rowid(db: number): bigint;
}

const utf8 = new TextDecoder();
const toUtf8 = new TextEncoder();
/** SQLite copies a value bound with this destructor before bind returns. */
const SQLITE_TRANSIENT = -1;
const SCRATCH_KEEP = 1 << 20;

interface Prepared {
  stmt: PreparedStatement;
  pointer: number;
  columns: string[];
}

/**
 * Stepping and reading rows call the wasm exports directly: oo1's `Stmt.step()` and `get({})` go
 * through generic argument wrappers and read every column's name from wasm memory on every row,
 * which measured ~6× slower for a 50-row, 16-column `tail(50)`. Binding still goes through oo1,
 * which owns the string and blob allocations.
 */
export class Database {
  readonly sqlite3: Sqlite3Static;
  readonly raw: OoDatabase;
  readonly #statements = new Map<string, Prepared>();
  readonly #x: Exports;

  constructor(sqlite3: Sqlite3Static, raw: OoDatabase) {
    this.sqlite3 = sqlite3;
    this.raw = raw;
    this.#x = sqlite3.wasm.exports as unknown as Exports;
  }

  #prepare(sql: string, params: Params): Prepared {
    let prepared = this.#statements.get(sql);
    if (!prepared) {
      const stmt = this.raw.prepare(sql);
      prepared = {
        stmt,
        pointer: Number(stmt.pointer),
        columns: stmt.columnCount > 0 ? stmt.getColumnNames() : [],
      };
      this.#statements.set(sql, prepared);
    }
    for (let i = 0; i < params.length; i++) this.#bind(prepared, i + 1, params[i]);
    return prepared;
  }

  #scratch = 0;
  #scratchSize = 0;

  /** A wasm buffer of at least `bytes`; buffers past SCRATCH_KEEP are freed after their bind. */
  #buffer(bytes: number): number {
    if (bytes <= this.#scratchSize) return this.#scratch;
    const size = Math.max(bytes, 4096);
    const pointer = this.#x.sqlite3_malloc(size);
    if (!pointer) {
      throw Object.assign(new Error(`SQLITE_NOMEM: cannot bind a value of ${bytes} bytes`), {
        resultCode: 7,
      });
    }
    if (size <= SCRATCH_KEEP) {
      if (this.#scratch) this.#x.sqlite3_free(this.#scratch);
      this.#scratch = pointer;
      this.#scratchSize = size;
    }
    return pointer;
  }

  /**
   * Binds through the wasm exports, copying text and blobs into one reused buffer that SQLite
   * copies from (SQLITE_TRANSIENT): oo1's bind allocates and frees per value through generic
   * wrappers, measured at a fifth of a bulk append.
   */
  #bind(p: Prepared, index: number, value: SqlValue | boolean | undefined): void {
    const x = this.#x;
    let rc: number;
    if (value === null || value === undefined) rc = x.sqlite3_bind_null(p.pointer, index);
    else if (typeof value === 'number') {
      rc = Number.isSafeInteger(value)
        ? x.sqlite3_bind_int64(p.pointer, index, BigInt(value))
        : x.sqlite3_bind_double(p.pointer, index, value);
    } else if (typeof value === 'string') {
      const capacity = value.length * 3;
      const at = this.#buffer(capacity);
      const { written } = toUtf8.encodeInto(value, this.sqlite3.wasm.heap8u().subarray(at, at + capacity));
      rc = x.sqlite3_bind_text(p.pointer, index, at, written, SQLITE_TRANSIENT);
      if (at !== this.#scratch) x.sqlite3_free(at);
    } else if (typeof value === 'boolean') rc = x.sqlite3_bind_int64(p.pointer, index, value ? 1n : 0n);
    else if (typeof value === 'bigint') rc = x.sqlite3_bind_int64(p.pointer, index, value);
    else {
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
      const at = this.#buffer(bytes.byteLength);
      this.sqlite3.wasm.heap8u().set(bytes, at);
      rc = x.sqlite3_bind_blob(p.pointer, index, at, bytes.byteLength, SQLITE_TRANSIENT);
      if (at !== this.#scratch) x.sqlite3_free(at);
    }
    if (rc !== 0) {
      const message = this.sqlite3.capi.sqlite3_errmsg(this.raw) ?? '';
      throw Object.assign(new Error(`SQLITE_ERROR: binding parameter ${index}: ${message}`), {
        resultCode: rc,
      });
    }
  }

  #step(p: Prepared): boolean {
    const rc = this.#x.sqlite3_step(p.pointer);
    if (rc === SQLITE_ROW) return true;
    if (rc === SQLITE_DONE) return false;
    const message = this.sqlite3.capi.sqlite3_errmsg(this.raw) ?? '';
    const error = new Error(`SQLITE_ERROR: sqlite3 result code ${rc}: ${message}`) as Error & {
      resultCode: number;
    };
    error.resultCode = rc;
    throw error;
  }

  #reset(p: Prepared): void {
    this.#x.sqlite3_reset(p.pointer);
    this.#x.sqlite3_clear_bindings(p.pointer);
  }

  #column(pointer: number, i: number): SqlValue {
    const x = this.#x;
    switch (x.sqlite3_column_type(pointer, i)) {
      case SQLITE_INTEGER: {
        const n = x.sqlite3_column_int64(pointer, i);
        return n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER ? Number(n) : n;
      }
      case SQLITE_FLOAT:
        return x.sqlite3_column_double(pointer, i);
      case SQLITE_TEXT: {
        // text first, then bytes: the order SQLite documents for a stable length.
        const at = x.sqlite3_column_text(pointer, i);
        const n = x.sqlite3_column_bytes(pointer, i);
        return n === 0 ? '' : utf8.decode(this.sqlite3.wasm.heap8u().subarray(at, at + n));
      }
      case SQLITE_BLOB: {
        const at = x.sqlite3_column_blob(pointer, i);
        const n = x.sqlite3_column_bytes(pointer, i);
        return n === 0 ? new Uint8Array(0) : this.sqlite3.wasm.heap8u().slice(at, at + n);
      }
      default:
        return null;
    }
  }

  #row(p: Prepared): Row {
    const row: Row = {};
    const { columns, pointer } = p;
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = this.#column(pointer, i);
    return row;
  }

  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params: Params = []): number {
    const p = this.#prepare(sql, params);
    try {
      this.#step(p);
    } finally {
      this.#reset(p);
    }
    return this.#x.sqlite3_changes(Number(this.raw.pointer));
  }

  /** Runs an INSERT and returns the new row's rowid. */
  insert(sql: string, params: Params = []): number {
    this.run(sql, params);
    return Number(this.#x.sqlite3_last_insert_rowid(Number(this.raw.pointer)));
  }

  get(sql: string, params: Params = []): Row | undefined {
    const p = this.#prepare(sql, params);
    try {
      return this.#step(p) ? this.#row(p) : undefined;
    } finally {
      this.#reset(p);
    }
  }

  all(sql: string, params: Params = []): Row[] {
    const p = this.#prepare(sql, params);
    const rows: Row[] = [];
    try {
      while (this.#step(p)) rows.push(this.#row(p));
    } finally {
      this.#reset(p);
    }
    return rows;
  }

  /** The first column of the first row, or undefined. */
  value(sql: string, params: Params = []): SqlValue | undefined {
    const p = this.#prepare(sql, params);
    try {
      return this.#step(p) ? this.#column(p.pointer, 0) : undefined;
    } finally {
      this.#reset(p);
    }
  }

  /** The first column of every row. */
  column(sql: string, params: Params = []): SqlValue[] {
    const p = this.#prepare(sql, params);
    const out: SqlValue[] = [];
    try {
      while (this.#step(p)) out.push(this.#column(p.pointer, 0));
    } finally {
      this.#reset(p);
    }
    return out;
  }

  /** Runs SQL text that may hold several statements and takes no parameters. */
  exec(sql: string): void {
    this.raw.exec(sql);
  }

  /** Runs `fn` in a write transaction: all of its changes commit, or none do. */
  transaction<T>(fn: () => T): T {
    this.run('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.run('COMMIT');
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
    if (this.#scratch) this.#x.sqlite3_free(this.#scratch);
    this.#scratch = 0;
    this.#scratchSize = 0;
    for (const p of this.#statements.values()) p.stmt.finalize();
    this.#statements.clear();
    if (this.raw.isOpen()) this.raw.close();
  }
}

/**
 * The lower bound: `@sqlite.org/sqlite-wasm` on `opfs-sahpool`, called directly in the worker
 * that measures it (no comlink, no second thread). Same schema as threadkeep (its migration is run
 * as is), same pragmas (WAL, exclusive locking, synchronous NORMAL), and the same CJK bigram
 * indexing; the FTS row is written in the append's own transaction. No argument checks, no
 * change events, no snippets: what is left is SQLite's own cost.
 */
import sqlite3InitModule, {
  type BindingSpec,
  type Database,
  type PreparedStatement,
  type SAHPoolUtil,
  type Sqlite3Static,
  type SqlValue,
} from '@sqlite.org/sqlite-wasm';
import { MIGRATIONS } from '../../../src/core/schema.js';
import { translatePlainQuery } from '../../../src/core/search/query.js';
import { toIndexText } from '../../../src/core/search/text.js';
import type { BenchEvent, Query, ReadEvent } from '../data.js';
import type { SessionSeed, Target } from '../target.js';

const CHUNK = 256 * 1024;
const EVENT_COLUMNS = 'e.key, s.id AS session_id, e.seq, e.content';

const SQL = {
  findSession: 'SELECT key, last_seq FROM sessions WHERE id = ?',
  insertSession: `INSERT INTO sessions (id, metadata, created_at, updated_at, event_count, token_count, last_seq, revision)
    VALUES (?, '{}', ?, ?, 0, 0, 0, 0)`,
  seedSession: `INSERT INTO sessions (id, metadata, created_at, updated_at) VALUES (?, '{}', ?, ?)`,
  insertEvent: `INSERT INTO events (id, session_key, seq, kind, role, content, tokens, partial, created_at)
    VALUES (?, ?, ?, 'message', ?, ?, ?, ?, ?)`,
  insertFts: 'INSERT INTO event_fts (rowid, body) VALUES (?, ?)',
  afterAppend: `UPDATE sessions SET last_seq = ?, event_count = event_count + ?, token_count = token_count + ?,
    revision = revision + 1, updated_at = ? WHERE key = ?`,
  patch: 'UPDATE events SET content = ?, tokens = ?, partial = ? WHERE key = ?',
  touch: 'UPDATE sessions SET revision = revision + 1, updated_at = ? WHERE key = ?',
  list: `SELECT ${EVENT_COLUMNS} FROM events e JOIN sessions s ON s.key = e.session_key
    WHERE e.session_key = ? ORDER BY e.seq`,
  tail: `SELECT ${EVENT_COLUMNS} FROM events e JOIN sessions s ON s.key = e.session_key
    WHERE e.session_key = ? ORDER BY e.seq DESC LIMIT ?`,
  recent: 'SELECT s.id FROM sessions s ORDER BY s.updated_at DESC, s.id ASC LIMIT ?',
  search: `SELECT ${EVENT_COLUMNS}, -f.rank AS score
    FROM event_fts f JOIN events e ON e.key = f.rowid JOIN sessions s ON s.key = e.session_key
    WHERE f.event_fts MATCH ? ORDER BY f.rank LIMIT ?`,
  insertArtifact: `INSERT INTO artifacts (handle, mime, size, sha256, metadata, created_at)
    VALUES (?, 'text/plain', ?, '', '{}', ?)`,
  findArtifact: 'SELECT key, size FROM artifacts WHERE handle = ?',
  insertChunk: 'INSERT INTO artifact_chunks (artifact_key, n, data) VALUES (?, ?, ?)',
  readChunks: 'SELECT data FROM artifact_chunks WHERE artifact_key = ? ORDER BY n',
  readChunk: 'SELECT data FROM artifact_chunks WHERE artifact_key = ? AND n = ?',
} as const;

let sqlite3: Promise<Sqlite3Static> | undefined;
let pool: Promise<SAHPoolUtil> | undefined;

async function loadPool(): Promise<{ sqlite3: Sqlite3Static; pool: SAHPoolUtil }> {
  sqlite3 ??= sqlite3InitModule();
  const s = await sqlite3;
  pool ??= s.installOpfsSAHPoolVfs({
    name: 'bench-sahpool',
    directory: '.bench-sahpool',
    initialCapacity: 4,
  });
  return { sqlite3: s, pool: await pool };
}

export class SahpoolTarget implements Target {
  readonly searchKind = 'fts' as const;
  #sqlite3: Sqlite3Static | undefined;
  #db: Database | undefined;
  readonly #statements = new Map<string, PreparedStatement>();

  get db(): Database {
    if (!this.#db) throw new Error('not open');
    return this.#db;
  }

  async open(name: string): Promise<void> {
    const loaded = await loadPool();
    this.#sqlite3 = loaded.sqlite3;
    const db = new loaded.pool.OpfsSAHPoolDb(`/${name}.sqlite3`);
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA temp_store = MEMORY');
    if (Number(db.selectValue('PRAGMA user_version')) === 0) {
      db.exec('BEGIN');
      for (const m of MIGRATIONS) db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
      db.exec('COMMIT');
    }
    this.#db = db;
  }

  async describe(): Promise<Record<string, unknown>> {
    return { sqlite: this.#sqlite3?.version.libVersion, vfs: 'opfs-sahpool', thread: 'bench worker' };
  }

  #stmt(sql: string, params: readonly (SqlValue | undefined)[]): PreparedStatement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    if (params.length > 0) s.bind(params as BindingSpec);
    return s;
  }

  #run(sql: string, params: readonly (SqlValue | undefined)[] = []): void {
    const s = this.#stmt(sql, params);
    try {
      s.step();
    } finally {
      s.reset(true);
    }
  }

  #rows(sql: string, params: readonly (SqlValue | undefined)[]): SqlValue[][] {
    const s = this.#stmt(sql, params);
    const out: SqlValue[][] = [];
    try {
      while (s.step()) out.push(s.get([]) as SqlValue[]);
    } finally {
      s.reset(true);
    }
    return out;
  }

  #lastRowid(): number {
    return Number(this.#sqlite3!.capi.sqlite3_last_insert_rowid(this.db));
  }

  #transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  #sessionKey(id: string, now: number): { key: number; lastSeq: number } {
    const found = this.#rows(SQL.findSession, [id])[0];
    if (found) return { key: Number(found[0]), lastSeq: Number(found[1]) };
    this.#run(SQL.insertSession, [id, now, now]);
    return { key: this.#lastRowid(), lastSeq: 0 };
  }

  #append(sessionId: string, events: readonly BenchEvent[], partial: boolean): number {
    return this.#transaction(() => {
      const now = Date.now();
      const { key, lastSeq } = this.#sessionKey(sessionId, now);
      let seq = lastSeq;
      let tokens = 0;
      let rowid = 0;
      for (const e of events) {
        this.#run(SQL.insertEvent, [
          crypto.randomUUID(),
          key,
          ++seq,
          e.role,
          JSON.stringify(e.content),
          e.tokens,
          partial ? 1 : 0,
          now,
        ]);
        rowid = this.#lastRowid();
        if (!partial) this.#run(SQL.insertFts, [rowid, toIndexText(e.content)]);
        tokens += e.tokens;
      }
      this.#run(SQL.afterAppend, [seq, events.length, tokens, now, key]);
      return rowid;
    });
  }

  async appendOne(event: BenchEvent): Promise<void> {
    this.#append(event.sessionId, [event], false);
  }

  async appendBatch(sessionId: string, events: readonly BenchEvent[]): Promise<void> {
    this.#append(sessionId, events, false);
  }

  async startPartial(event: BenchEvent): Promise<string> {
    return String(this.#append(event.sessionId, [{ ...event, content: '' }], true));
  }

  #patch(handle: string, event: BenchEvent, content: string, complete: boolean): void {
    this.#transaction(() => {
      const key = Number(handle);
      this.#run(SQL.patch, [JSON.stringify(content), complete ? event.tokens : 0, complete ? 0 : 1, key]);
      if (complete) this.#run(SQL.insertFts, [key, toIndexText(content)]);
      const sessionKey = this.#rows(SQL.findSession, [event.sessionId])[0]![0]!;
      this.#run(SQL.touch, [Date.now(), sessionKey]);
    });
  }

  async patchPartial(handle: string, event: BenchEvent, content: string): Promise<void> {
    this.#patch(handle, event, content, false);
  }

  async completePartial(handle: string, event: BenchEvent, content: string): Promise<void> {
    this.#patch(handle, event, content, true);
  }

  #read(rows: SqlValue[][]): ReadEvent[] {
    return rows.map((r) => ({
      sessionId: r[1] as string,
      seq: Number(r[2]),
      content: JSON.parse(r[3] as string) as string,
    }));
  }

  async readSession(sessionId: string): Promise<ReadEvent[]> {
    const found = this.#rows(SQL.findSession, [sessionId])[0];
    return found ? this.#read(this.#rows(SQL.list, [found[0]!])) : [];
  }

  async tail(sessionId: string, n: number): Promise<ReadEvent[]> {
    const found = this.#rows(SQL.findSession, [sessionId])[0];
    return found ? this.#read(this.#rows(SQL.tail, [found[0]!, n])).reverse() : [];
  }

  async seedSessions(sessions: readonly SessionSeed[]): Promise<void> {
    this.#transaction(() => {
      for (const s of sessions) this.#run(SQL.seedSession, [s.id, s.createdAt, s.updatedAt]);
    });
  }

  async recentSessions(n: number): Promise<string[]> {
    return this.#rows(SQL.recent, [n]).map((r) => r[0] as string);
  }

  async search(query: Query, limit: number): Promise<ReadEvent[]> {
    const match = translatePlainQuery(query.text).match;
    return match === null ? [] : this.#read(this.#rows(SQL.search, [match, limit]));
  }

  async putArtifact(handle: string, bytes: Uint8Array): Promise<void> {
    this.#transaction(() => {
      this.#run(SQL.insertArtifact, [handle, bytes.byteLength, Date.now()]);
      const key = this.#lastRowid();
      for (let n = 0, at = 0; at < bytes.byteLength; n++, at += CHUNK) {
        this.#run(SQL.insertChunk, [key, n, bytes.subarray(at, Math.min(at + CHUNK, bytes.byteLength))]);
      }
    });
  }

  #artifact(handle: string): { key: number; size: number } {
    const row = this.#rows(SQL.findArtifact, [handle])[0];
    if (!row) throw new Error(`artifact ${handle} is missing`);
    return { key: Number(row[0]), size: Number(row[1]) };
  }

  async getArtifact(handle: string): Promise<Uint8Array> {
    const { key, size } = this.#artifact(handle);
    const out = new Uint8Array(size);
    let at = 0;
    for (const [chunk] of this.#rows(SQL.readChunks, [key])) {
      out.set(chunk as Uint8Array, at);
      at += (chunk as Uint8Array).byteLength;
    }
    return out;
  }

  async drilldown(handle: string, start: number, end: number): Promise<string> {
    // Reads chunks only until line `end` is complete, as threadkeep's engine does.
    const { key, size } = this.#artifact(handle);
    const decoder = new TextDecoder();
    const lines: string[] = [];
    let line = 0;
    let partial = '';
    for (let n = 0; n * CHUNK < size && line < end; n++) {
      const data = this.#rows(SQL.readChunk, [key, n])[0]![0] as Uint8Array;
      const text = partial + decoder.decode(data, { stream: true });
      const parts = text.split('\n');
      partial = parts.pop()!;
      for (const p of parts) {
        if (line >= start && line < end) lines.push(p);
        line++;
      }
    }
    if (line < end && line >= start && partial !== '') lines.push(partial);
    return lines.join('\n');
  }

  async storedBytes(): Promise<number | null> {
    return Number(this.db.selectValue('PRAGMA page_count')) * Number(this.db.selectValue('PRAGMA page_size'));
  }

  async close(): Promise<void> {
    for (const s of this.#statements.values()) s.finalize();
    this.#statements.clear();
    if (this.#db?.isOpen()) {
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      this.#db.close();
    }
    this.#db = undefined;
  }

  /** Bytes of the wasm heap (SQLite's page cache and everything else it allocated). */
  wasmBytes(): number {
    return this.#sqlite3?.wasm.heap8u().byteLength ?? 0;
  }
}

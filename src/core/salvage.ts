/**
 * The heart of `openStore({ recover: true })`: copies every session, event and artifact that
 * SQLite can still read from a damaged database into a fresh database of the current schema.
 * Rows are read table by table, key range by key range (see row-scan.ts); a row that reads but
 * does not hold what threadkeep writes (bytes damaged inside a page) is left out as well, since
 * serving it would fail later. The full-text index is not copied but rebuilt: every recovered
 * event is queued for indexing.
 */
import type { Database as OoDatabase, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { sha256Hex } from './artifacts.js';
import { Database } from './database.js';
import { readUntilError, scanRowTable } from './row-scan.js';
import { artifactValues, eventValues, integer, sessionValues } from './salvage-rows.js';
import { migrate } from './schema.js';
import type { RecoveryReport } from './types.js';

export interface SalvageOutcome extends Pick<RecoveryReport, 'recovered' | 'lost' | 'unreadable'> {
  /** The new database file. */
  image: Uint8Array;
}

const STORE_TABLES = ['sessions', 'events', 'artifacts', 'artifact_chunks'];
const MAX_UNREADABLE_LINES = 100;

const SESSION_COLUMNS =
  'key, id, title, summary, metadata, created_at, updated_at, event_count, token_count, last_seq, revision';
const INSERT_SESSION = `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)`;
const EVENT_COLUMNS =
  'key, id, session_key, seq, kind, role, content, tool_calls, tool_call_id, parent_id, request_id, tokens, metadata, artifacts, partial, created_at';
const INSERT_EVENT = `INSERT INTO events (${EVENT_COLUMNS}) VALUES (${EVENT_COLUMNS.split(',')
  .map(() => '?')
  .join(', ')})`;
const ARTIFACT_COLUMNS = 'key, handle, name, mime, size, sha256, session_id, event_id, metadata, created_at';
const INSERT_ARTIFACT = `INSERT INTO artifacts (${ARTIFACT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const READ_CHUNKS = 'SELECT n, data FROM artifact_chunks WHERE artifact_key = ? ORDER BY n';
const INSERT_CHUNK = 'INSERT INTO artifact_chunks (artifact_key, n, data) VALUES (?, ?, ?)';
const READ_APPLIED_CALLS = 'SELECT call_id, result, applied_at FROM applied_calls';
const INSERT_APPLIED_CALL =
  'INSERT OR IGNORE INTO applied_calls (call_id, result, applied_at) VALUES (?, ?, ?)';
const INSERT_PLACEHOLDER_SESSION = `INSERT INTO sessions (key, id, metadata, created_at, updated_at)
  SELECT ?1, ?2, '{"recovered":true}', min(created_at), max(created_at) FROM events WHERE session_key = ?1`;
const RECOUNT_SESSIONS = `UPDATE sessions SET
    event_count = (SELECT count(*) FROM events WHERE session_key = sessions.key),
    token_count = (SELECT coalesce(sum(tokens), 0) FROM events WHERE session_key = sessions.key),
    last_seq = max(last_seq, (SELECT coalesce(max(seq), 0) FROM events WHERE session_key = sessions.key))`;
const BUMP_REVISION = 'UPDATE sessions SET revision = revision + 1 WHERE key = ?';
const QUEUE_ALL_EVENTS = 'INSERT INTO index_queue (event_key) SELECT key FROM events';

/** Whether `db`'s schema can be read and names threadkeep's tables. */
export function hasStoreSchema(db: OoDatabase): boolean {
  try {
    const names = db.selectValues("SELECT name FROM sqlite_schema WHERE type = 'table'");
    return STORE_TABLES.every((table) => names.includes(table));
  } catch {
    return false;
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An artifact's chunks as stored; throws when one is missing or unreadable. */
function readChunks(source: OoDatabase, key: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const stmt = source.prepare(READ_CHUNKS);
  try {
    stmt.bind([key]);
    while (stmt.step()) {
      const n = stmt.get(0);
      const data = stmt.get(1);
      if (n !== chunks.length || !(data instanceof Uint8Array))
        throw new Error(`chunk ${chunks.length} is missing`);
      chunks.push(data.slice());
    }
  } finally {
    stmt.finalize();
  }
  return chunks;
}

/** Throws unless `chunks` hold exactly the artifact's `size` bytes with digest `sha256`. */
async function checkBytes(chunks: Uint8Array[], size: number, sha256: string): Promise<void> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (total !== size) throw new Error(`its chunks hold ${total} of its ${size} bytes`);
  const whole = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.length;
  }
  if ((await sha256Hex(whole)) !== sha256) throw new Error('its bytes do not match its sha256');
}

interface Copied {
  events: number;
  artifacts: number;
  lostEvents: number;
  lostArtifacts: number;
}

async function copyRecords(
  source: OoDatabase,
  target: Database,
  skipped: (what: string) => void,
): Promise<Copied> {
  // sqlite-wasm warns on the console at every failed step; a scan of a damaged file fails by design.
  const { config } = target.sqlite3;
  const quiet = <T>(fn: () => T): T => {
    const warn = config.warn;
    config.warn = () => {};
    try {
      return fn();
    } finally {
      config.warn = warn;
    }
  };
  // Makes SQLite check each cell's size against its page, so more damage is caught than served.
  try {
    source.exec('PRAGMA cell_size_check = ON');
  } catch {
    // Only a stricter reading is lost.
  }
  const storedCounts = new Map<number, number>();
  quiet(() =>
    scanRowTable(
      source,
      'sessions',
      SESSION_COLUMNS,
      (row) => {
        try {
          const values = sessionValues(row);
          const stored = integer(row.event_count, 'eventCount');
          target.run(INSERT_SESSION, values as never);
          storedCounts.set(values[0] as number, stored);
          return undefined;
        } catch (error) {
          return reason(error);
        }
      },
      skipped,
    ),
  );

  const recoveredPerSession = new Map<number, number>();
  let events = 0;
  quiet(() =>
    scanRowTable(
      source,
      'events',
      EVENT_COLUMNS,
      (row) => {
        try {
          const values = eventValues(row);
          target.run(INSERT_EVENT, values as never);
          const sessionKey = values[2] as number;
          recoveredPerSession.set(sessionKey, (recoveredPerSession.get(sessionKey) ?? 0) + 1);
          events++;
          return undefined;
        } catch (error) {
          return reason(error);
        }
      },
      skipped,
    ),
  );

  // Events whose session row is gone keep their transcript under a new session id.
  for (const [sessionKey, count] of recoveredPerSession) {
    if (storedCounts.has(sessionKey)) continue;
    let id = `recovered-${sessionKey}`;
    for (let n = 2; target.value('SELECT 1 FROM sessions WHERE id = ?', [id]) !== undefined; n++) {
      id = `recovered-${sessionKey}-${n}`;
    }
    target.run(INSERT_PLACEHOLDER_SESSION, [sessionKey, id]);
    skipped(
      `the sessions row with key ${sessionKey} was unreadable: its ${count} readable events are kept under session id "${id}"`,
    );
  }
  target.run(RECOUNT_SESSIONS);
  let lostEvents = 0;
  for (const [sessionKey, stored] of storedCounts) {
    const missing = stored - (recoveredPerSession.get(sessionKey) ?? 0);
    if (missing <= 0) continue;
    lostEvents += missing;
    // The transcript changed: a client holding the old revision must not write over it unawares.
    target.run(BUMP_REVISION, [sessionKey]);
  }
  target.run(QUEUE_ALL_EVENTS);

  const artifactRows: unknown[][] = [];
  quiet(() =>
    scanRowTable(
      source,
      'artifacts',
      ARTIFACT_COLUMNS,
      (row) => {
        try {
          artifactRows.push(artifactValues(row));
          return undefined;
        } catch (error) {
          return reason(error);
        }
      },
      skipped,
    ),
  );
  let artifacts = 0;
  let lostArtifacts = 0;
  for (const values of artifactRows) {
    const [key, handle, , , size, sha] = values as [number, string, unknown, unknown, number, string];
    try {
      const chunks = quiet(() => readChunks(source, key));
      await checkBytes(chunks, size, sha);
      target.run(INSERT_ARTIFACT, values as never);
      chunks.forEach((data, n) => {
        target.run(INSERT_CHUNK, [key, n, data]);
      });
      artifacts++;
    } catch (error) {
      lostArtifacts++;
      skipped(`artifact "${handle}": ${reason(error)}`);
    }
  }

  // Call ids of forwarded writes: keeping them keeps a retried call from applying twice.
  quiet(() =>
    readUntilError(
      source,
      READ_APPLIED_CALLS,
      (row) => {
        if (
          typeof row.call_id === 'string' &&
          typeof row.result === 'string' &&
          typeof row.applied_at === 'number'
        )
          target.run(INSERT_APPLIED_CALL, [row.call_id, row.result, row.applied_at]);
      },
      skipped,
      'applied_calls',
    ),
  );
  return { events, artifacts, lostEvents, lostArtifacts };
}

/**
 * Copies what `source` still holds (nothing when undefined) into a new in-memory database and
 * returns its file image. `pageSize` is the new database's page size, or undefined for SQLite's.
 */
export async function salvage(
  sqlite3: Sqlite3Static,
  source: OoDatabase | undefined,
  pageSize: number | undefined,
): Promise<SalvageOutcome> {
  const unreadable: string[] = [];
  let untold = 0;
  // A file damaged all over could list a range per page; the report stays readable.
  const skipped = (what: string) => {
    if (unreadable.length < MAX_UNREADABLE_LINES) unreadable.push(what);
    else untold++;
  };
  const raw = new sqlite3.oo1.DB(':memory:', 'c');
  const target = new Database(sqlite3, raw);
  try {
    if (pageSize !== undefined) raw.exec(`PRAGMA page_size = ${pageSize}`);
    migrate(target, 0);
    target.exec('BEGIN');
    const copied: Copied = source
      ? await copyRecords(source, target, skipped)
      : { events: 0, artifacts: 0, lostEvents: 0, lostArtifacts: 0 };
    if (untold > 0) unreadable.push(`and ${untold} more unreadable rows or ranges`);
    target.exec('COMMIT');
    return {
      image: sqlite3.capi.sqlite3_js_db_export(raw),
      recovered: {
        sessions: Number(target.value('SELECT count(*) FROM sessions')),
        events: copied.events,
        artifacts: copied.artifacts,
      },
      lost: { events: copied.lostEvents, artifacts: copied.lostArtifacts },
      unreadable,
    };
  } finally {
    target.close();
  }
}

/**
 * The schema, as an ordered list of migrations. A migration is never edited once released: a
 * change is a new entry. `PRAGMA user_version` holds the number of migrations applied.
 */
import type { Database } from './database.js';
import { ThreadkeepError } from './errors.js';

export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/*
 * Design notes for version 1:
 * - Sessions and events have an integer key beside their text id, so the event table and its
 *   indexes hold 8-byte integers instead of repeated ids, and FTS rowids are event keys.
 * - Free text that may hold lone surrogates (titles, summaries, content, metadata) is stored as
 *   JSON text: SQLite stores UTF-8, which cannot represent a lone surrogate, while JSON escapes it.
 * - Full-text indexing is lazy: an append only records the event key in `index_queue`; the
 *   indexer (idle time, or any search first) moves them into `event_fts`. The FTS table is
 *   contentless: snippets are built from `events.content`, so the text is not stored twice.
 * - `prefix = '1 2 3'`: a plain search's last word is a prefix, and the first keystrokes are the
 *   shortest, most expensive prefixes (measured at 100 000 events: "w"* 3.6 s, "w1"* 0.46 s
 *   without, 15 ms and 13 ms with); the index grows about 2.5× for it.
 * - `applied_calls` records forwarded call ids in the same transaction as their write, so a new
 *   leader can answer a retried call with its result instead of applying it twice.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE sessions (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT,
        summary TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        event_count INTEGER NOT NULL DEFAULT 0,
        token_count INTEGER NOT NULL DEFAULT 0,
        last_seq INTEGER NOT NULL DEFAULT 0,
        revision INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX sessions_by_activity ON sessions (updated_at DESC, id);
      CREATE INDEX sessions_by_creation ON sessions (created_at);

      CREATE TABLE events (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        session_key INTEGER NOT NULL REFERENCES sessions (key),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        role TEXT,
        content TEXT,
        tool_calls TEXT,
        tool_call_id TEXT,
        parent_id TEXT,
        request_id TEXT,
        tokens INTEGER NOT NULL DEFAULT 0,
        metadata TEXT,
        artifacts TEXT,
        partial INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
      );
      CREATE UNIQUE INDEX events_by_seq ON events (session_key, seq);
      CREATE UNIQUE INDEX events_by_request ON events (session_key, request_id) WHERE request_id IS NOT NULL;

      CREATE TABLE index_queue (event_key INTEGER PRIMARY KEY);
      CREATE VIRTUAL TABLE event_fts USING fts5 (
        body,
        tokenize = 'unicode61 remove_diacritics 2',
        content = '',
        contentless_delete = 1,
        prefix = '1 2 3'
      );

      CREATE TABLE artifacts (
        key INTEGER PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        name TEXT,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        session_id TEXT,
        event_id TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
      );
      CREATE INDEX artifacts_by_session ON artifacts (session_id, created_at);
      CREATE INDEX artifacts_by_creation ON artifacts (created_at DESC, handle);
      CREATE TABLE artifact_chunks (
        artifact_key INTEGER NOT NULL,
        n INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (artifact_key, n)
      ) WITHOUT ROWID;

      CREATE TABLE applied_calls (
        call_id TEXT PRIMARY KEY,
        result TEXT NOT NULL,
        applied_at REAL NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** The schema version the file says it has; reads only, so a refused file stays untouched. */
export function storedSchemaVersion(db: Database): number {
  return Number(db.value('PRAGMA user_version'));
}

/** Refuses a store written by a newer threadkeep before anything writes to it. */
export function assertSchemaKnown(version: number, name: string): void {
  if (version > SCHEMA_VERSION) {
    throw new ThreadkeepError(
      'SCHEMA_TOO_NEW',
      `store "${name}" was written by a newer threadkeep (schema ${version}; this version knows up to ${SCHEMA_VERSION}); upgrade threadkeep to open it. The store was left untouched.`,
      { storedVersion: version, knownVersion: SCHEMA_VERSION },
    );
  }
}

/** Applies every pending migration in one transaction: all of them, or none. */
export function migrate(db: Database, from: number): void {
  if (from >= SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const migration of MIGRATIONS) {
      if (migration.version > from) db.exec(migration.sql);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

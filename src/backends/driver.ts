/**
 * The seam between the engine and where the bytes live. A backend opens an SQLite database on
 * its VFS and says, through optional methods, what extra work durability needs; the engine never
 * asks which backend it has.
 */
import type { Database as OoDatabase, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { Backend, Durability } from '../core/types.js';

export interface StorageDriver {
  readonly backend: Backend;
  readonly sqlite3: Sqlite3Static;
  readonly db: OoDatabase;
  /**
   * Settings that write to the file (journal mode and the like). Runs after the engine has
   * checked the schema version, so a store it refuses is never written to.
   */
  configure?(durability: Durability): void;
  /** Makes the last committed transaction durable. Absent where SQLite's COMMIT already is. */
  persist?(): Promise<void>;
  /** After `persist()` failed: puts the in-memory state back to the last durable one. */
  revert?(): void;
  /**
   * After a write transaction failed (SQLite has rolled it back): returns the error to report,
   * when the backend knows more than SQLite's result code (opfs-sahpool reports a full origin as
   * SQLITE_IOERR), and readies the backend for the next call.
   */
  writeFailed?(error: unknown): unknown;
  /** Work for quiet moments between calls: checkpoints, compaction. */
  maintain?(): Promise<void>;
  /** Bytes the store occupies in its storage, when the backend can tell exactly. */
  storedBytes?(): number | null;
  close(): Promise<void>;
}

export interface DriverOptions {
  name: string;
  durability: Durability;
}

/** A driver holding the database in memory only: nothing survives `close()`. */
export function memoryDriver(sqlite3: Sqlite3Static): StorageDriver {
  const db = new sqlite3.oo1.DB(':memory:', 'c');
  return {
    backend: 'memory',
    sqlite3,
    db,
    configure() {
      // Nothing to make durable: skip the rollback journal's copies and all syncing.
      db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF');
    },
    async close() {
      if (db.isOpen()) db.close();
    },
  };
}

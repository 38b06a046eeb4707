/**
 * The OPFS backend: SQLite's `opfs-sahpool` VFS, which needs no COOP/COEP headers, one pool
 * directory per store. Runs only in a dedicated worker (sync access handles exist only there).
 */
import type { SAHPoolUtil, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { ThreadkeepError } from '../core/errors.js';
import type { Durability } from '../core/types.js';
import type { StorageDriver } from './driver.js';

export const OPFS_ROOT = '.threadkeep';
const DB_FILE = '/threadkeep.sqlite3';

/** Why OPFS could not be opened: `busy` means someone else holds it, not that it cannot work. */
export class OpfsUnavailable extends Error {
  constructor(
    message: string,
    readonly busy: boolean,
  ) {
    super(message);
  }
}

function describeOpfsFailure(error: unknown): OpfsUnavailable {
  const e = error as { name?: string; message?: string } | undefined;
  const text = `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
  if (e?.name === 'NoModificationAllowedError' || /NoModificationAllowed|access handle/i.test(text)) {
    return new OpfsUnavailable(`OPFS files of this store are held by another context (${text})`, true);
  }
  if (/Missing required OPFS APIs/.test(text)) {
    return new OpfsUnavailable(
      'OPFS sync access handles are not available in this browser or context',
      false,
    );
  }
  if (e?.name === 'SecurityError') {
    return new OpfsUnavailable(`OPFS access was denied, as in private browsing (${text})`, false);
  }
  return new OpfsUnavailable(`OPFS could not be opened (${text})`, false);
}

async function installPool(sqlite3: Sqlite3Static, name: string): Promise<SAHPoolUtil> {
  try {
    return await sqlite3.installOpfsSAHPoolVfs({
      name: `threadkeep-${name}`,
      directory: `${OPFS_ROOT}/${name}`,
      // Each pool file costs ~0.8 ms at every start; the database and its WAL need two, plus spares.
      initialCapacity: 4,
      forceReinitIfPreviouslyFailed: true,
    } as Parameters<Sqlite3Static['installOpfsSAHPoolVfs']>[0]);
  } catch (error) {
    throw describeOpfsFailure(error);
  }
}

export async function opfsDriver(sqlite3: Sqlite3Static, name: string): Promise<StorageDriver> {
  const pool = await installPool(sqlite3, name);
  let db: InstanceType<SAHPoolUtil['OpfsSAHPoolDb']>;
  try {
    db = new pool.OpfsSAHPoolDb(DB_FILE);
    // WASM has no shared memory for a WAL index, so WAL needs exclusive locking, and that must be
    // set before journal_mode=WAL: in the other order SQLite silently stays in rollback mode.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
  } catch (error) {
    pool.pauseVfs();
    throw describeOpfsFailure(error);
  }
  return {
    backend: 'opfs',
    sqlite3,
    db,
    configure(durability: Durability) {
      const mode = db.selectValue('PRAGMA journal_mode = WAL');
      if (mode !== 'wal') {
        throw new ThreadkeepError(
          'INTERNAL',
          `OPFS store "${name}" could not enter WAL mode (SQLite reports '${String(mode)}')`,
        );
      }
      // NORMAL in WAL mode syncs at checkpoints only: a commit survives a crashed tab or browser;
      // FULL also syncs the WAL at every commit, for an operating-system crash.
      db.exec(`PRAGMA synchronous = ${durability === 'strict' ? 'FULL' : 'NORMAL'}`);
    },
    async maintain() {
      // A long WAL costs ~4 ms per 1 000 frames at the next open: fold it back while idle.
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    },
    storedBytes() {
      const pages = Number(db.selectValue('PRAGMA page_count'));
      const size = Number(db.selectValue('PRAGMA page_size'));
      return pages * size;
    },
    async close() {
      if (db.isOpen()) {
        try {
          db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        } finally {
          db.close();
        }
      }
      pool.pauseVfs();
    },
  };
}

/** Removes every file of the store's pool. The caller makes sure nothing has it open. */
export async function deleteOpfsStore(name: string): Promise<void> {
  const root = await navigator.storage.getDirectory();
  let parent: FileSystemDirectoryHandle;
  try {
    parent = await root.getDirectoryHandle(OPFS_ROOT);
  } catch {
    return;
  }
  try {
    await parent.removeEntry(name, { recursive: true });
  } catch (error) {
    if ((error as { name?: string }).name !== 'NotFoundError') throw error;
  }
}

/** Whether the store has a database file in OPFS (used to keep 'auto' on the backend it chose before). */
export async function opfsStoreExists(name: string): Promise<boolean> {
  try {
    const root = await navigator.storage.getDirectory();
    const dir = await (await root.getDirectoryHandle(OPFS_ROOT)).getDirectoryHandle(name);
    for await (const _ of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) return true;
    return false;
  } catch {
    return false;
  }
}

/**
 * The OPFS backend: SQLite's `opfs-sahpool` VFS, which needs no COOP/COEP headers, one pool
 * directory per store. Runs only in a dedicated worker (sync access handles exist only there).
 */
import type { SAHPoolUtil, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import type { Durability } from '../core/types.js';
import type { StorageDriver } from './driver.js';
import { onSqliteError } from './load-sqlite.js';

export const OPFS_ROOT = '.threadkeep';
export const DB_FILE = '/threadkeep.sqlite3';
/** A recovered database waits here until it has replaced DB_FILE (see finishRecoverySwap). */
export const RECOVERED_FILE = '/threadkeep-recovered.sqlite3';

/** Why OPFS could not be opened: `busy` means someone else holds it, not that it cannot work. */
export class OpfsUnavailable extends Error {
  constructor(
    message: string,
    readonly busy: boolean,
  ) {
    super(message);
  }
}

function describeOpfsFailure(error: unknown): OpfsUnavailable | ThreadkeepError {
  const e = error as { name?: string; message?: string } | undefined;
  // A full origin is not "OPFS unavailable": 'auto' must not start an empty copy of the store in
  // IndexedDB (where later writes would be lost once OPFS opens again). Measured: the open access
  // handles of an empty store's pool count as 4 MB, and reopening the pool near the quota fails.
  if (e?.name === 'QuotaExceededError') return toThreadkeepError(error, 'opening the OPFS files');
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

/**
 * The store's pool, with its files held by this worker. sqlite-wasm keeps one pool per name for the
 * worker's life; a failed open (or a recovery) in this worker paused it, so it is taken up again.
 */
export async function openPool(sqlite3: Sqlite3Static, name: string): Promise<SAHPoolUtil> {
  const pool = await installPool(sqlite3, name);
  if (pool.isPaused()) {
    try {
      await pool.unpauseVfs();
    } catch (error) {
      throw describeOpfsFailure(error);
    }
  }
  return pool;
}

/**
 * Puts a recovered database in place of the damaged one. The recovered file is complete once it
 * exists (the pool names a file only after writing it), so an open that finds it — a recovery cut
 * short by a closed tab — finishes the swap: the damaged database's WAL goes first (its frames
 * must never be replayed onto the new file), then the database's bytes are replaced, and only
 * then does the recovered file go.
 */
export function finishRecoverySwap(pool: SAHPoolUtil, recovered?: Uint8Array): void {
  if (!pool.getFileNames().includes(RECOVERED_FILE)) return;
  const bytes = recovered ?? pool.exportFile(RECOVERED_FILE);
  pool.unlink(`${DB_FILE}-wal`);
  pool.unlink(`${DB_FILE}-journal`);
  pool.importDb(DB_FILE, bytes);
  pool.unlink(RECOVERED_FILE);
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
  const pool = await openPool(sqlite3, name);
  try {
    finishRecoverySwap(pool);
  } catch (error) {
    pool.pauseVfs();
    // Not "OPFS unavailable": 'auto' must not start an empty copy in IndexedDB over this.
    const failure = toThreadkeepError(error, `finishing the recovery of OPFS store "${name}"`);
    if (failure.code !== 'INTERNAL') throw failure;
    throw new ThreadkeepError('BACKEND_UNAVAILABLE', failure.message, undefined, { cause: error });
  }
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
  // A full origin reaches SQLite as a bare SQLITE_IOERR: the VFS keeps the QuotaExceededError of
  // FileSystemSyncAccessHandle.write() only in its log. Kept here, it makes the call that failed
  // QUOTA_EXCEEDED instead of INTERNAL.
  let quotaFailure: { message: string } | undefined;
  const stopListening = onSqliteError((source, error) => {
    const e = error as { name?: unknown; message?: unknown } | null;
    if (source === `threadkeep-${name}` && e?.name === 'QuotaExceededError')
      quotaFailure = { message: String(e.message) };
  });
  const takeQuotaFailure = () => {
    const failure = quotaFailure;
    quotaFailure = undefined;
    return failure;
  };
  return {
    backend: 'opfs',
    sqlite3,
    db,
    writeFailed(error: unknown) {
      const primary = (error as { resultCode?: unknown })?.resultCode;
      const quota = takeQuotaFailure();
      if (quota === undefined || typeof primary !== 'number' || ![10, 13].includes(primary & 0xff))
        return error;
      // SQLite rolled the transaction back, but the WAL still holds every frame since the last
      // checkpoint and new frames go after them: with the WAL at the end of the space its file
      // was granted, even the delete that would free space fails. After a checkpoint the next
      // transaction starts the WAL over, inside that space. (It fails when the database file
      // itself cannot grow; the next write's failure tries again.)
      try {
        db.exec('PRAGMA wal_checkpoint(RESTART)');
      } catch {
        takeQuotaFailure();
      }
      return new DOMException(
        `SQLite could not write its files (${(error as Error).message}): ${quota.message}`,
        'QuotaExceededError',
      );
    },
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
      try {
        db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      } finally {
        // A checkpoint that found the origin full must not be blamed on the next write.
        takeQuotaFailure();
      }
    },
    storedBytes() {
      const pages = Number(db.selectValue('PRAGMA page_count'));
      const size = Number(db.selectValue('PRAGMA page_size'));
      return pages * size;
    },
    async close() {
      stopListening();
      if (db.isOpen()) {
        try {
          db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        } catch {
          // A full origin can refuse the checkpoint; every commit is safe in the WAL, which the
          // next open reads. Closing must still release the files.
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

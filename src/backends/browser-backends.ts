/**
 * Choosing a durable backend inside the worker, honestly: 'auto' tries OPFS, then IndexedDB, and
 * says why it did not use OPFS; an explicit backend never changes; "another tab holds it" is
 * never mistaken for "unavailable", and a store never gets a second copy on another backend.
 */
import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { corruptGuidance, ThreadkeepError } from '../core/errors.js';
import type { DamagedStore } from '../core/open-engine.js';
import type { Backend, Durability } from '../core/types.js';
import { memoryDriver, type StorageDriver } from './driver.js';
import { idbDatabaseName, idbStorage, idbStoreState } from './idb-storage.js';
import { damagedJournalStore, journalDriver } from './journal-driver.js';
import { OpfsUnavailable, opfsDriver, opfsStoreExists } from './opfs-driver.js';
import { damagedOpfsStore } from './opfs-recovery.js';
import { idbStoreRemembered, rememberIdbStore } from './store-marker.js';

export interface ChosenBackend {
  driver: StorageDriver;
  fallbackReason: string | null;
}

interface IdbStatus {
  state: 'exists' | 'absent' | 'unknown';
  /** Whether the store is noted outside IndexedDB (store-marker.ts). */
  noted: boolean;
}

/**
 * Whether the store's IndexedDB database exists and whether the store is noted; refuses a store
 * noted but gone. A store this browser held in IndexedDB whose database is now gone is lost, not
 * new: it must not be started again empty, there or on OPFS, without a word (see
 * store-marker.ts). `recover: true` accepts the loss and starts it again, with `info().recovery`
 * saying so; `deleteStore` forgets it.
 */
async function idbStatus(name: string): Promise<IdbStatus> {
  const [state, since] = await Promise.all([idbStoreState(name), idbStoreRemembered(name)]);
  if (state === 'absent' && since !== undefined) {
    throw new ThreadkeepError(
      'CORRUPT',
      `the IndexedDB database of store ${JSON.stringify(name)} is gone, though this browser has held it since ${new Date(since).toISOString()}: the browser discarded it, or IndexedDB alone was cleared; none of its data can be read. ${corruptGuidance(name)}`,
      { backend: 'indexeddb', store: name, vanished: true },
    );
  }
  return { state, noted: since !== undefined };
}

async function openIndexedDb(
  sqlite3: Sqlite3Static,
  name: string,
  durability: Durability,
  status?: IdbStatus,
): Promise<StorageDriver> {
  if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available in this context');
  const { noted } = status ?? (await idbStatus(name));
  const storage = idbStorage(name, durability);
  try {
    const driver = await journalDriver(sqlite3, storage, name, 'indexeddb');
    // Noted once, at the first open (stores made before threadkeep noted them included).
    if (!noted) await rememberIdbStore(name);
    const close = driver.close;
    return { ...driver, close: () => close().finally(() => storage.close()) };
  } catch (error) {
    storage.close();
    // Says which backend is damaged, for openStore({ recover: true }).
    if (error instanceof ThreadkeepError && error.code === 'CORRUPT') {
      throw new ThreadkeepError(
        'CORRUPT',
        error.message,
        { ...error.details, backend: 'indexeddb' },
        { cause: error },
      );
    }
    throw error;
  }
}

/** A damaged store on `backend`, for openStore({ recover: true }). */
export function damagedBrowserStore(
  sqlite3: Sqlite3Static,
  name: string,
  backend: Backend | undefined,
  durability: Durability,
): DamagedStore {
  if (backend === 'opfs') return damagedOpfsStore(sqlite3, name);
  // Only an IndexedDB open fails CORRUPT before a driver exists: opening OPFS reads nothing.
  const storage = idbStorage(name, durability);
  return damagedJournalStore(sqlite3, storage, name, {
    location: `IndexedDB database "${idbDatabaseName(name)}", `,
    close: () => storage.close(),
  });
}

function reasonOf(error: unknown): string {
  if (error instanceof ThreadkeepError && error.code !== 'INTERNAL') throw error;
  const e = error as { name?: string; message?: string };
  return e?.message ? (e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message) : String(error);
}

function unavailable(backend: Backend, reasons: string): ThreadkeepError {
  return new ThreadkeepError(
    'BACKEND_UNAVAILABLE',
    `no durable storage for this store: ${reasons}. threadkeep does not fall back to memory on its own; open with backend: 'memory' to run without durability.`,
    { backend },
  );
}

function busy(name: string, reason: string): ThreadkeepError {
  return new ThreadkeepError(
    'BACKEND_UNAVAILABLE',
    `store "${name}" is held by another tab or worker (${reason}); it was not opened on another backend, which would split its data`,
    { busy: true },
  );
}

export async function openBrowserBackend(
  sqlite3: Sqlite3Static,
  name: string,
  backend: 'auto' | 'opfs' | 'indexeddb' | 'memory',
  durability: Durability,
): Promise<ChosenBackend> {
  if (backend === 'memory') return { driver: memoryDriver(sqlite3), fallbackReason: null };
  if (backend === 'indexeddb') {
    try {
      return { driver: await openIndexedDb(sqlite3, name, durability), fallbackReason: null };
    } catch (error) {
      throw unavailable('indexeddb', `IndexedDB: ${reasonOf(error)}`);
    }
  }
  // Without an OPFS store, one that lives in IndexedDB stays there, and one lost from there is
  // refused (idbStatus throws): neither is a reason to start an empty copy on OPFS.
  const status = backend === 'auto' && !(await opfsStoreExists(name)) ? await idbStatus(name) : undefined;
  if (status?.state === 'exists') {
    const driver = await openIndexedDb(sqlite3, name, durability, status);
    return {
      driver,
      fallbackReason: 'the store already lives in IndexedDB (it was created where OPFS could not be used)',
    };
  }
  let opfsReason: string;
  try {
    return { driver: await opfsDriver(sqlite3, name), fallbackReason: null };
  } catch (error) {
    if (error instanceof OpfsUnavailable && error.busy) throw busy(name, error.message);
    opfsReason = reasonOf(error);
  }
  if (backend === 'opfs') throw unavailable('opfs', `OPFS: ${opfsReason}`);
  try {
    return { driver: await openIndexedDb(sqlite3, name, durability, status), fallbackReason: opfsReason };
  } catch (error) {
    throw unavailable('indexeddb', `OPFS: ${opfsReason}; IndexedDB: ${reasonOf(error)}`);
  }
}

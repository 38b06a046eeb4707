/**
 * `openStore` where there is no DOM or no dedicated worker (Node, Deno, edge workers): the engine
 * runs in this thread, in memory or persisted through a user-supplied `KeyValueStorage`.
 */
import { memoryDriver, type StorageDriver } from '../backends/driver.js';
import { damagedJournalStore, deleteJournalStore, journalDriver } from '../backends/journal-driver.js';
import { loadSqlite } from '../backends/load-sqlite.js';
import { type Call, createHandlers, type Invoke } from '../core/api.js';
import { ThreadkeepError } from '../core/errors.js';
import { createStoreFacade } from '../core/facade.js';
import { openEngine } from '../core/open-engine.js';
import { checkOpenOptions, checkStoreName } from '../core/options.js';
import type { KeyValueStorage, OpenOptions, Store } from '../core/types.js';
import { checkOptions } from '../core/validate.js';
import { LIBRARY_VERSION } from '../core/version.js';

export { loadSqlite, useSqlite } from '../backends/load-sqlite.js';

const openStores = new Map<string, Set<Store>>();

/** Opens (creating if needed) a store in this thread. */
export async function openStore(options?: OpenOptions): Promise<Store> {
  const o = checkOpenOptions(options);
  const backend = o.backend === 'auto' ? (o.storage ? 'kv' : 'memory') : o.backend;
  if (backend === 'opfs' || backend === 'indexeddb') {
    throw new ThreadkeepError(
      'BACKEND_UNAVAILABLE',
      `backend '${backend}' needs a browser (OPFS or IndexedDB in a dedicated worker); here use 'kv' with a storage option (e.g. fileStorage(dir) from 'threadkeep/node') or 'memory'`,
      { backend },
    );
  }
  if (backend === 'kv' && !o.storage) {
    throw new ThreadkeepError(
      'BACKEND_UNAVAILABLE',
      "backend 'kv' needs options.storage, a KeyValueStorage (e.g. fileStorage(dir) from 'threadkeep/node')",
      { backend },
    );
  }
  // Remembered before opening: a store refused as CORRUPT must still be removable by deleteStore(name).
  storages.set(o.name, o.storage);
  const sqlite3 = await loadSqlite();
  const { engine } = await openEngine(
    sqlite3,
    async (): Promise<{ driver: StorageDriver }> => ({
      driver:
        backend === 'kv' ? await journalDriver(sqlite3, o.storage!, o.name, 'kv') : memoryDriver(sqlite3),
    }),
    { name: o.name, durability: o.durability, recover: o.recover },
    () => damagedJournalStore(sqlite3, o.storage!, o.name),
  );
  const handlers = createHandlers(engine);
  const noCall: Call = {};
  const invoke = ((method: keyof typeof handlers, args: unknown[]) =>
    (handlers[method] as (call: Call, ...a: unknown[]) => Promise<unknown>)(noCall, ...args)) as Invoke;
  const store = createStoreFacade(o.name, {
    invoke,
    onChanges: (listener) => engine.onChanges(listener),
    describe: async (info) => ({
      name: info.name,
      backend: info.backend,
      fallbackReason: null,
      role: 'single',
      durability: info.durability,
      schemaVersion: info.schemaVersion,
      sqliteVersion: info.sqliteVersion,
      libraryVersion: LIBRARY_VERSION,
      persisted: null,
      usageBytes: info.storedBytes,
      quotaBytes: null,
      counts: info.counts,
      recovery: info.recovery,
    }),
    close: async () => {
      await engine.close();
      openStores.get(o.name)?.delete(store);
    },
  });
  const set = openStores.get(o.name) ?? new Set();
  openStores.set(o.name, set);
  set.add(store);
  return store;
}

const storages = new Map<string, KeyValueStorage | undefined>();

/**
 * Closes this process's open stores of that name, then removes every byte the store kept in its
 * storage: the `storage` given here, or the one it was last opened with in this process.
 */
export async function deleteStore(name?: string, options?: { storage?: KeyValueStorage }): Promise<void> {
  const storeName = checkStoreName(name);
  const o = checkOptions(options, 'deleteStore options', ['storage']);
  const storage = (o.storage as KeyValueStorage | undefined) ?? storages.get(storeName);
  for (const store of openStores.get(storeName) ?? []) await store.close();
  openStores.delete(storeName);
  if (storage) await deleteJournalStore(storage, storeName);
}

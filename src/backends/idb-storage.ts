/**
 * A `KeyValueStorage` over IndexedDB, through idb-keyval. One IndexedDB database per store, so
 * `deleteStore` can drop it whole. A write resolves when its IndexedDB transaction completes,
 * with the durability the store asked for.
 */
import { del, get, promisifyRequest, set, type UseStore } from 'idb-keyval';
import type { Durability, KeyValueStorage } from '../core/types.js';

export function idbDatabaseName(name: string): string {
  return `threadkeep-${name}`;
}

const OBJECT_STORE = 'journal';

/**
 * idb-keyval's createStore opens transactions without a durability hint; this one passes it:
 * 'relaxed' (flushed to the OS, survives a browser crash) for 'normal', 'strict' (flushed to the
 * disk) for 'strict'.
 */
function durableStore(dbName: string, durability: Durability): UseStore {
  const hint: IDBTransactionOptions = { durability: durability === 'strict' ? 'strict' : 'relaxed' };
  let db: Promise<IDBDatabase> | undefined;
  return (mode, callback) => {
    db ??= (() => {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = () => request.result.createObjectStore(OBJECT_STORE);
      return promisifyRequest(request).then((d) => {
        // deleteStore elsewhere must not be blocked by this connection.
        d.onversionchange = () => d.close();
        return d;
      });
    })();
    return db.then((d) => callback(d.transaction(OBJECT_STORE, mode, hint).objectStore(OBJECT_STORE)));
  };
}

export function idbStorage(name: string, durability: Durability): KeyValueStorage & { close(): void } {
  const store = durableStore(idbDatabaseName(name), durability);
  return {
    get: (key) => get<Uint8Array>(key, store),
    set: (key, value) => set(key, value, store),
    delete: (key) => del(key, store),
    list: (prefix) =>
      store('readonly', (s) =>
        promisifyRequest(s.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`, false, false))),
      ).then((keys) => keys as string[]),
    close: () => {
      void store('readonly', (s) => {
        s.transaction.db.close();
        return Promise.resolve();
      }).catch(() => {});
    },
  };
}

/** Drops the store's IndexedDB database. */
export function deleteIdbStore(name: string): Promise<void> {
  return promisifyRequest(indexedDB.deleteDatabase(idbDatabaseName(name))).then(() => {});
}

/** Whether an IndexedDB database for the store exists, or 'unknown' without `indexedDB.databases()`. */
export async function idbStoreState(name: string): Promise<'exists' | 'absent' | 'unknown'> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return 'unknown';
  const dbs = await indexedDB.databases();
  return dbs.some((d) => d.name === idbDatabaseName(name)) ? 'exists' : 'absent';
}

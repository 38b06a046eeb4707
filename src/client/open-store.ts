/**
 * `openStore` in a browser page or worker: the store lives in a dedicated worker and this thread
 * forwards every call to it. Where no dedicated worker can run, or for `backend: 'kv'`, the
 * engine runs in this thread instead (loaded on demand, so pages that never need it never load it).
 */
import type { Invoke } from '../core/api.js';
import { ThreadkeepError } from '../core/errors.js';
import { createStoreFacade } from '../core/facade.js';
import { type CheckedOpenOptions, checkOpenOptions, checkStoreName } from '../core/options.js';
import type { Change, OpenOptions, Store } from '../core/types.js';
import { LIBRARY_VERSION } from '../core/version.js';
import { deleteBrowserStore, onCloseRequest } from './delete-store.js';
import { WorkerConnection } from './worker-connection.js';

let persistenceRequested = false;

function requestPersistence(): void {
  if (persistenceRequested || typeof navigator === 'undefined' || !navigator.storage?.persist) return;
  persistenceRequested = true;
  // Never fails openStore: browsers may refuse or ignore it, and info() reports the outcome.
  navigator.storage.persist().catch(() => {});
}

async function storageEstimate(): Promise<{
  persisted: boolean | null;
  usage: number | null;
  quota: number | null;
}> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  const [persisted, estimate] = await Promise.all([
    storage?.persisted?.().catch(() => null) ?? null,
    storage?.estimate?.().catch(() => undefined),
  ]);
  return { persisted, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null };
}

/** Opens (creating if needed) a store; see API.md for the backend rules. */
export async function openStore(options?: OpenOptions): Promise<Store> {
  const o = checkOpenOptions(options);
  if (o.backend === 'kv' || typeof Worker === 'undefined') {
    const inprocess = await import('../inprocess/open-store.js');
    return inprocess.openStore(options);
  }
  if (o.requestPersistence && o.backend !== 'memory') requestPersistence();
  return openWorkerStore(o);
}

async function openWorkerStore(o: CheckedOpenOptions): Promise<Store> {
  const workerOptions = {
    name: o.name,
    backend: o.backend as 'auto' | 'opfs' | 'indexeddb' | 'memory',
    durability: o.durability,
  };
  const changeListeners = new Set<(changes: readonly Change[]) => void>();
  const fanOut = (changes: readonly Change[]) => {
    for (const listener of changeListeners) listener(changes);
  };
  const start = async () => {
    const c = await WorkerConnection.start(workerOptions, () => {});
    c.subscribe(fanOut);
    return c;
  };
  let connection: WorkerConnection = await start();
  let restarting: Promise<WorkerConnection> | undefined;
  let closed = false;
  const { backend, fallbackReason } = connection.opened;

  // A worker that died (crash, or terminated on pagehide) is replaced on the next call, on the
  // same backend: the store's data is where it was.
  const live = async (): Promise<WorkerConnection> => {
    if (closed) throw new ThreadkeepError('CLOSED', `store "${o.name}" is closed`);
    if (!connection.dead) return connection;
    restarting ??= start()
      .then((c) => (connection = c))
      .finally(() => {
        restarting = undefined;
      });
    return restarting;
  };

  const onPageHide = () =>
    connection.terminate('the page was hidden (pagehide); the next call reopens the store');
  globalThis.addEventListener?.('pagehide', onPageHide);
  const stopCloseRequests = onCloseRequest(o.name, () => store.close());

  const invoke = (async (method, args) => (await live()).call(method, args as unknown[])) as Invoke;
  const store = createStoreFacade(o.name, {
    invoke,
    onChanges(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    async describe(info) {
      const estimate = await storageEstimate();
      return {
        name: info.name,
        backend,
        fallbackReason,
        role: backend === 'memory' ? 'single' : 'leader',
        durability: info.durability,
        schemaVersion: info.schemaVersion,
        sqliteVersion: info.sqliteVersion,
        libraryVersion: LIBRARY_VERSION,
        persisted: backend === 'memory' ? null : estimate.persisted,
        // navigator.storage.estimate() overstates the SQLite pool's usage by 75–120%: prefer the
        // engine's own count when it has one.
        usageBytes: backend === 'memory' ? null : (info.storedBytes ?? estimate.usage),
        quotaBytes: backend === 'memory' ? null : estimate.quota,
        counts: info.counts,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      globalThis.removeEventListener?.('pagehide', onPageHide);
      stopCloseRequests();
      changeListeners.clear();
      await connection.close();
    },
  });
  return store;
}

/**
 * Removes every byte the store kept, on every backend. Open stores of that name, in this tab and
 * in others, are closed first.
 */
export async function deleteStore(name?: string): Promise<void> {
  const storeName = checkStoreName(name);
  if (typeof Worker === 'undefined' || typeof navigator === 'undefined') {
    const inprocess = await import('../inprocess/open-store.js');
    return inprocess.deleteStore(storeName);
  }
  await deleteBrowserStore(storeName);
}

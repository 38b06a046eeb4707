/**
 * `openStore` in a browser page or worker: the store lives in a dedicated worker and this thread
 * forwards every call to it. Where no dedicated worker can run, or for `backend: 'kv'`, the
 * engine runs in this thread instead (loaded on demand, so pages that never need it never load it).
 */
import type { Invoke } from '../core/api.js';
import { createStoreFacade } from '../core/facade.js';
import { type CheckedOpenOptions, checkOpenOptions, checkStoreName } from '../core/options.js';
import type { OpenOptions, Store } from '../core/types.js';
import { LIBRARY_VERSION } from '../core/version.js';
import { TabClient } from '../tabs/tab-client.js';
import { deleteBrowserStore, onCloseRequest } from './delete-store.js';

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
  const backend = o.backend as 'auto' | 'opfs' | 'indexeddb' | 'memory';
  const client = await TabClient.open({
    name: o.name,
    backend,
    durability: o.durability,
    recover: o.recover,
  });
  const onPageHide = () => client.suspend();
  const onResume = () => client.resume();
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) client.resume();
  };
  // A frozen or bfcached page must not keep the store locked for the other tabs.
  globalThis.addEventListener?.('pagehide', onPageHide);
  globalThis.addEventListener?.('pageshow', onPageShow as EventListener);
  globalThis.document?.addEventListener?.('freeze', onPageHide);
  globalThis.document?.addEventListener?.('resume', onResume);
  const stopCloseRequests = onCloseRequest(o.name, () => store.close());

  const invoke = ((method, args) => client.invoke(method, args as unknown[])) as Invoke;
  const store = createStoreFacade(o.name, {
    invoke,
    onChanges: (listener) => client.onChanges(listener),
    async describe(info) {
      const estimate = await storageEstimate();
      const memory = info.backend === 'memory';
      return {
        name: info.name,
        backend: info.backend,
        fallbackReason: client.opened?.fallbackReason ?? null,
        role: client.role,
        durability: info.durability,
        schemaVersion: info.schemaVersion,
        sqliteVersion: info.sqliteVersion,
        libraryVersion: LIBRARY_VERSION,
        persisted: memory ? null : estimate.persisted,
        // navigator.storage.estimate() overstates the SQLite pool's usage by 75–120%: prefer the
        // engine's own count when it has one.
        usageBytes: memory ? null : (info.storedBytes ?? estimate.usage),
        quotaBytes: memory ? null : estimate.quota,
        counts: info.counts,
        recovery: info.recovery,
      };
    },
    async close() {
      globalThis.removeEventListener?.('pagehide', onPageHide);
      globalThis.removeEventListener?.('pageshow', onPageShow as EventListener);
      globalThis.document?.removeEventListener?.('freeze', onPageHide);
      globalThis.document?.removeEventListener?.('resume', onResume);
      stopCloseRequests();
      await client.close();
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

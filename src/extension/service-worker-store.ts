/**
 * `openStore` in an extension's service worker: a Store whose every call goes to the extension
 * page that leads (see RemoteClient). The backends that would keep the store inside the service
 * worker are refused: Chrome stops an idle service worker after 30 s, and with it such a store.
 */
import { deleteBrowserStore, onCloseRequest } from '../client/delete-store.js';
import type { Invoke } from '../core/api.js';
import { describeValue, invalid, ThreadkeepError } from '../core/errors.js';
import { createStoreFacade } from '../core/facade.js';
import { checkOpenOptions, checkStoreName } from '../core/options.js';
import type { Store } from '../core/types.js';
import { LIBRARY_VERSION } from '../core/version.js';
import { ensureOffscreenDocument } from './offscreen.js';
import { RemoteClient } from './remote-client.js';

const DEFAULT_OFFSCREEN_DOCUMENT = 'offscreen.html';

function splitOptions(options: unknown): { open: unknown; offscreenDocument: string } {
  if (options === null || typeof options !== 'object' || !('offscreenDocument' in options)) {
    return { open: options, offscreenDocument: DEFAULT_OFFSCREEN_DOCUMENT };
  }
  const { offscreenDocument, ...open } = options as { offscreenDocument: unknown };
  if (offscreenDocument === undefined) return { open, offscreenDocument: DEFAULT_OFFSCREEN_DOCUMENT };
  if (
    typeof offscreenDocument !== 'string' ||
    offscreenDocument === '' ||
    /^[a-z-]+:/i.test(offscreenDocument)
  ) {
    throw invalid(
      `offscreenDocument ${describeValue(offscreenDocument)} is invalid: it must be the path of a page in this extension, e.g. 'offscreen.html'`,
    );
  }
  return { open, offscreenDocument };
}

export async function openServiceWorkerStore(options: unknown): Promise<Store> {
  const { open, offscreenDocument } = splitOptions(options);
  const o = checkOpenOptions(open);
  if (o.backend === 'kv' || o.backend === 'memory') {
    throw new ThreadkeepError(
      'BACKEND_UNAVAILABLE',
      `backend '${o.backend}' would keep store "${o.name}" inside this service worker, which Chrome stops after 30 s without events; here the store lives in an extension page (the offscreen document): use 'auto', 'opfs' or 'indexeddb'`,
      { backend: o.backend },
    );
  }
  const client = await RemoteClient.open({
    name: o.name,
    backend: o.backend,
    durability: o.durability,
    startHost: () => ensureOffscreenDocument(offscreenDocument),
    hostDescription: `the offscreen document "${offscreenDocument}" must load a script that calls hostStores() from 'threadkeep/extension'`,
  });
  const stopCloseRequests = onCloseRequest(o.name, () => store.close());
  const invoke = ((method, args) => client.invoke(method, args as unknown[])) as Invoke;
  const store = createStoreFacade(o.name, {
    invoke,
    onChanges: (listener) => client.onChanges(listener),
    async describe(info) {
      const storage = navigator.storage;
      const [persisted, estimate] = await Promise.all([
        storage?.persisted?.().catch(() => null) ?? null,
        storage?.estimate?.().catch(() => undefined),
      ]);
      return {
        name: info.name,
        backend: info.backend,
        fallbackReason: client.opened?.fallbackReason ?? null,
        role: 'follower',
        durability: info.durability,
        schemaVersion: info.schemaVersion,
        sqliteVersion: info.sqliteVersion,
        libraryVersion: LIBRARY_VERSION,
        persisted,
        usageBytes: info.storedBytes ?? estimate?.usage ?? null,
        quotaBytes: estimate?.quota ?? null,
        counts: info.counts,
        recovery: info.recovery,
      };
    },
    async close() {
      stopCloseRequests();
      await client.close();
    },
  });
  return store;
}

/** deleteStore in the service worker: the store's files are reachable from here, its lock too. */
export function deleteServiceWorkerStore(name?: string): Promise<void> {
  return deleteBrowserStore(checkStoreName(name));
}

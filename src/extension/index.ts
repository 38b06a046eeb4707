/**
 * `threadkeep/extension`: the same API in every context of a Manifest V3 extension. Extension pages
 * (side panel, popup, options, offscreen document) share one origin, so they share a store as tabs
 * do: one leads, in its own dedicated worker, the others follow. The service worker can start no
 * dedicated worker: there `openStore` follows and never leads, and creates the extension's
 * offscreen document, which calls `hostStores()`, so that a leader always exists.
 */
import { deleteStore as deleteInPage, openStore as openInPage } from '../client/open-store.js';
import type { OpenOptions, Store } from '../core/types.js';
import { deleteServiceWorkerStore, openServiceWorkerStore } from './service-worker-store.js';

export { type ErrorCode, ThreadkeepError } from '../core/errors.js';
export type * from '../core/types.js';
export { hostStores } from './host.js';

export interface ExtensionOpenOptions extends OpenOptions {
  /**
   * In the service worker: the extension page that hosts the stores, created as the offscreen
   * document; it must call `hostStores()`. Default `'offscreen.html'`.
   */
  offscreenDocument?: string;
}

/** Opens (creating if needed) a store shared by every context of this extension; see API.md. */
export function openStore(options?: ExtensionOpenOptions): Promise<Store> {
  if (typeof Worker === 'undefined') return openServiceWorkerStore(options);
  if (options !== null && typeof options === 'object' && 'offscreenDocument' in options) {
    const { offscreenDocument: _, ...rest } = options;
    return openInPage(rest);
  }
  return openInPage(options);
}

/** Removes every byte the store kept; its open Stores, in every context of the extension, close first. */
export function deleteStore(name?: string): Promise<void> {
  return typeof Worker === 'undefined' ? deleteServiceWorkerStore(name) : deleteInPage(name);
}

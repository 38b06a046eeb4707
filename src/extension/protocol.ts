/**
 * The messages between an extension's service worker and its store host (the offscreen document
 * that calls `hostStores()`), on one BroadcastChannel of the extension's origin. Calls and results
 * themselves travel as between tabs (src/tabs/protocol.ts): the host is an ordinary tab there.
 */
import type { WireError } from '../tabs/protocol.js';

export const HOST_CHANNEL = 'threadkeep-extension-host';

/** A client that cannot lead asks the host to open a store, so that someone leads it. */
export interface HostRequest {
  type: 'host';
  name: string;
  backend: 'auto' | 'opfs' | 'indexeddb';
  durability: 'normal' | 'strict';
}

/** The host has just started: clients waiting for a leader ask again. */
export interface HostReady {
  type: 'host-ready';
}

/** The host could not open a store; the clients waiting for it fail with this error. */
export interface HostFailed {
  type: 'host-failed';
  name: string;
  error: WireError;
}

export type HostMessage = HostRequest | HostReady | HostFailed;

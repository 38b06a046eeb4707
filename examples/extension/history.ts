// What the side panel and the service worker share: the store's name and the one conversation.
// In your extension: from 'threadkeep/extension'.
import { openStore, type Store } from '../../src/extension/index.js';

export const STORE_NAME = 'agent-history';
export const CHAT = 'chat';

let opening: Promise<Store> | undefined;

/** The store, opened once per context (a page, or the service worker since it last started). */
export function history(): Promise<Store> {
  opening ??= openStore({ name: STORE_NAME }).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}

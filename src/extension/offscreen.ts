/**
 * Makes sure the extension's offscreen document exists: the page that can start the dedicated
 * worker a service worker cannot, and so hosts the stores. Only one offscreen document may exist
 * per extension; one that already exists (ours, or the extension's own that calls `hostStores()`)
 * is used as it is.
 */
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';

/** The parts of the `chrome` extension API used here (Chromium 116+). */
interface ChromeApi {
  runtime?: {
    getURL(path: string): string;
    getContexts?(filter: { contextTypes: string[] }): Promise<unknown[]>;
  };
  offscreen?: {
    createDocument(parameters: { url: string; reasons: string[]; justification: string }): Promise<void>;
    hasDocument?(): Promise<boolean>;
  };
}

let creating: Promise<void> | undefined;

async function offscreenDocumentExists(chrome: ChromeApi): Promise<boolean> {
  if (chrome.runtime?.getContexts) {
    return (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).length > 0;
  }
  return (await chrome.offscreen?.hasDocument?.()) ?? false;
}

/** Creates the offscreen document at `path` (relative to the extension's root) unless one exists. */
export async function ensureOffscreenDocument(path: string): Promise<void> {
  const chrome = (globalThis as { chrome?: ChromeApi }).chrome;
  if (typeof chrome?.offscreen?.createDocument !== 'function') {
    throw new ThreadkeepError(
      'BACKEND_UNAVAILABLE',
      `a service worker cannot hold a threadkeep store (no dedicated worker, no OPFS access handles), and chrome.offscreen is not available to start a page that can: add "offscreen" to "permissions" in manifest.json (Chromium 116 or later)`,
    );
  }
  creating ??= (async () => {
    try {
      if (await offscreenDocumentExists(chrome)) return;
      await chrome.offscreen!.createDocument({
        url: path,
        reasons: ['WORKERS'],
        justification:
          'Keeps the extension’s conversation history: SQLite runs in a dedicated worker over the origin private file system.',
      });
    } catch (error) {
      // Another context created it between the check and the call.
      if (/single offscreen document/i.test((error as Error)?.message ?? '')) return;
      throw new ThreadkeepError(
        'BACKEND_UNAVAILABLE',
        `could not create the offscreen document "${path}" that hosts threadkeep stores: ${toThreadkeepError(error, 'createDocument').message}`,
      );
    }
  })().finally(() => {
    creating = undefined;
  });
  return creating;
}

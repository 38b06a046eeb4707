/**
 * Remembers, outside IndexedDB, that an IndexedDB store exists. IndexedDB can lose a database as a
 * whole while the rest of the origin's storage stays (a browser that discards a database it finds
 * damaged after a crash, a tool or a person clearing only IndexedDB). Without a note kept
 * elsewhere, the next open would find nothing and start an empty store as if it were new: the
 * history gone without a word. The note lives in Cache Storage, which such a loss does not touch
 * and clearing the site's data removes with everything else. Where Cache Storage cannot be used,
 * nothing is remembered and nothing is checked.
 */

const CACHE = 'threadkeep-stores';

/** A key only: Cache Storage wants an http(s) URL, and nothing is ever fetched from it. */
function markerRequest(name: string): Request {
  return new Request(`https://threadkeep.invalid/indexeddb/${encodeURIComponent(name)}`);
}

async function markers(): Promise<Cache | undefined> {
  if (typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(CACHE);
  } catch {
    return undefined;
  }
}

/** Notes that store `name` exists in IndexedDB, with the time it was first opened. */
export async function rememberIdbStore(name: string): Promise<void> {
  try {
    await (await markers())?.put(markerRequest(name), new Response(String(Date.now())));
  } catch {
    // Best effort: without the note, a lost database cannot be told from a new one.
  }
}

/** When store `name` was first opened in IndexedDB here, if that was noted. */
export async function idbStoreRemembered(name: string): Promise<number | undefined> {
  try {
    const response = await (await markers())?.match(markerRequest(name));
    if (!response) return undefined;
    const at = Number(await response.text());
    return Number.isFinite(at) ? at : 0;
  } catch {
    return undefined;
  }
}

export async function forgetIdbStore(name: string): Promise<void> {
  try {
    const cache = await markers();
    if (!(await cache?.delete(markerRequest(name)))) return;
    // The last note gone, the cache goes too: deleteStore leaves nothing of threadkeep behind.
    if ((await cache?.keys())?.length === 0) await caches.delete(CACHE);
  } catch {
    // Nothing noted, or nothing to note it in.
  }
}

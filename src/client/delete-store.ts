/**
 * deleteStore in browsers: ask every open Store of that name, in this tab and in others, to close,
 * then take the store's lock, so nothing can reopen it midway, and remove its OPFS files and its
 * IndexedDB database.
 */
import { deleteIdbStore } from '../backends/idb-storage.js';
import { deleteOpfsStore } from '../backends/opfs-driver.js';
import { forgetIdbStore } from '../backends/store-marker.js';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';

const CONTROL_CHANNEL = 'threadkeep-control';
const DELETE_LOCK_TIMEOUT_MS = 10_000;

interface CloseRequest {
  type: 'close-store';
  name: string;
}

const localClosers = new Map<string, Set<() => Promise<void>>>();
let channel: BroadcastChannel | undefined;

function controlChannel(): BroadcastChannel | undefined {
  if (typeof BroadcastChannel === 'undefined') return undefined;
  if (!channel) {
    channel = new BroadcastChannel(CONTROL_CHANNEL);
    channel.onmessage = (event: MessageEvent<CloseRequest>) => {
      if (event.data?.type === 'close-store') void closeLocal(event.data.name);
    };
  }
  return channel;
}

async function closeLocal(name: string): Promise<void> {
  const closers = [...(localClosers.get(name) ?? [])];
  await Promise.allSettled(closers.map((close) => close()));
}

/** Registers a Store to be closed when its store is deleted anywhere; returns the unregister function. */
export function onCloseRequest(name: string, close: () => Promise<void>): () => void {
  controlChannel();
  const set = localClosers.get(name) ?? new Set();
  localClosers.set(name, set);
  set.add(close);
  return () => set.delete(close);
}

export async function deleteBrowserStore(name: string): Promise<void> {
  await closeLocal(name);
  controlChannel()?.postMessage({ type: 'close-store', name } satisfies CloseRequest);
  const remove = async () => {
    if (typeof navigator.storage?.getDirectory === 'function') await deleteOpfsStore(name);
    if (typeof indexedDB !== 'undefined') {
      await deleteIdbStore(name);
      await forgetIdbStore(name);
    }
  };
  try {
    if (typeof navigator.locks?.request !== 'function') return await remove();
    const signal = AbortSignal.timeout(DELETE_LOCK_TIMEOUT_MS);
    await navigator.locks.request(`threadkeep:${name}`, { signal }, remove);
  } catch (error) {
    if (
      (error as { name?: string }).name === 'TimeoutError' ||
      (error as { name?: string }).name === 'AbortError'
    ) {
      throw new ThreadkeepError(
        'BACKEND_UNAVAILABLE',
        `could not delete store "${name}": another tab or worker kept it open for ${DELETE_LOCK_TIMEOUT_MS / 1000} s`,
      );
    }
    throw toThreadkeepError(error, `deleting store "${name}"`);
  }
}

/**
 * The store host: run in the extension's offscreen document (or any extension page that stays
 * open), it opens every store a service worker asks for, so that one extension page holds it and
 * leads — as a tab would, in its own dedicated worker.
 */
import { toWireError } from '../client/comlink-errors.js';
import { onCloseRequest } from '../client/delete-store.js';
import { openStore } from '../client/open-store.js';
import type { Store } from '../core/types.js';
import { HOST_CHANNEL, type HostFailed, type HostMessage, type HostRequest } from './protocol.js';

/**
 * Hosts the stores this extension's service worker opens, for as long as this page lives.
 * Returns a function that stops hosting and closes them.
 */
export function hostStores(): () => Promise<void> {
  const hosted = new Map<string, Promise<Store | undefined>>();
  const unregister: Array<() => void> = [];
  const channel = new BroadcastChannel(HOST_CHANNEL);

  const host = (request: HostRequest) => {
    if (hosted.has(request.name)) return;
    const opening = openStore({
      name: request.name,
      backend: request.backend,
      durability: request.durability,
    }).catch((error: unknown) => {
      hosted.delete(request.name);
      channel.postMessage({
        type: 'host-failed',
        name: request.name,
        error: toWireError(error),
      } satisfies HostFailed);
      return undefined;
    });
    hosted.set(request.name, opening);
    // deleteStore closes the store everywhere: host it anew at the next request.
    unregister.push(
      onCloseRequest(request.name, async () => {
        hosted.delete(request.name);
      }),
    );
  };

  channel.onmessage = (event: MessageEvent<HostMessage>) => {
    if (event.data?.type === 'host') host(event.data);
  };
  channel.postMessage({ type: 'host-ready' } satisfies HostMessage);

  return async () => {
    channel.close();
    for (const stop of unregister.splice(0)) stop();
    const stores = await Promise.all(hosted.values());
    hosted.clear();
    await Promise.all(stores.map((store) => store?.close()));
  };
}

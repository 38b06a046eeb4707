/**
 * The leader's worker answers the other tabs itself: it hears their calls on the store's calls channel,
 * runs them on its engine and posts each result to the caller's inbox. Routing a forwarded call
 * through the leader page as well cost a postMessage hop each way and the page's event loop, which
 * a busy page (rendering a long reply) holds up. The leader page still answers calls while its
 * worker is down (see TabClient), and it broadcasts the committed changes: a BroadcastChannel post
 * in the worker, on the path of every call, measured +0.1–0.2 ms on the leader's own single append.
 */
import { toWireError } from '../client/comlink-errors.js';
import type { Method } from '../core/api.js';
import { type CallMessage, callsChannelName } from './protocol.js';
import { ReplyChannels } from './reply-channels.js';

export type RunCall = (method: Method, args: unknown[], callId: string | undefined) => Promise<unknown>;

export class FollowerService {
  readonly #channel: BroadcastChannel;
  readonly #replies: ReplyChannels;
  #stopped = false;

  constructor(storeName: string, leaderId: string, run: RunCall) {
    this.#replies = new ReplyChannels(storeName);
    this.#channel = new BroadcastChannel(callsChannelName(storeName));
    this.#channel.onmessage = (event: MessageEvent<CallMessage>) => {
      const call = event.data;
      if (call.type !== 'call' || call.to !== leaderId || this.#stopped) return;
      run(call.method, call.args, call.callId).then(
        (value) => this.#replies.send(call.from, { type: 'result', id: call.id, ok: true, value }),
        (error: unknown) => {
          // Closing: stay silent, the follower sends the call again to the next leader.
          if (this.#stopped) return;
          this.#replies.send(call.from, {
            type: 'result',
            id: call.id,
            ok: false,
            error: toWireError(error),
          });
        },
      );
    };
  }

  /** Stops answering (before the store closes, so that calls it fails go to the next leader). */
  stop(): void {
    this.#stopped = true;
    this.#channel.close();
    this.#replies.close();
  }
}

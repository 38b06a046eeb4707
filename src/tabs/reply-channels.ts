/**
 * A leader's channels to its followers' inboxes. Opening a BroadcastChannel per answer cost about
 * as much as the rest of a forwarded call, so the most recent followers' channels are kept open
 * (a page that opens and closes tabs all day must not grow this forever).
 */
import { inboxChannelName, type ResultMessage } from './protocol.js';

const MAX_REPLY_CHANNELS = 32;

export class ReplyChannels {
  readonly #storeName: string;
  readonly #channels = new Map<string, BroadcastChannel>();

  constructor(storeName: string) {
    this.#storeName = storeName;
  }

  /** Posts `result` to the inbox of client `follower`. */
  send(follower: string, result: ResultMessage): void {
    let channel = this.#channels.get(follower);
    if (channel) {
      this.#channels.delete(follower);
    } else {
      channel = new BroadcastChannel(inboxChannelName(this.#storeName, follower));
      if (this.#channels.size >= MAX_REPLY_CHANNELS) {
        const [oldest, stale] = this.#channels.entries().next().value!;
        stale.close();
        this.#channels.delete(oldest);
      }
    }
    this.#channels.set(follower, channel);
    channel.postMessage(result);
  }

  close(): void {
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
  }
}

/**
 * A follower's calls on their way to the leader: sent on the store's calls channel, answered in
 * this client's inbox, and kept until answered so that they can be sent again to a new leader.
 */

import { fromWireError } from '../client/comlink-errors.js';
import type { Method } from '../core/api.js';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import { type CallMessage, callsChannelName, inboxChannelName, type ResultMessage } from './protocol.js';

export interface PendingCall {
  message: CallMessage;
  resolve(value: unknown): void;
  reject(error: ThreadkeepError): void;
}

export class ForwardedCalls {
  readonly #pending = new Map<number, PendingCall>();
  readonly #inbox: BroadcastChannel;
  readonly #outbox: BroadcastChannel;
  readonly #legacyPost: (message: CallMessage) => void;
  /** Whether the leader hears calls on the calls channel (PROTOCOL 2), else on the store's. */
  leaderHasCallsChannel = true;
  #nextCall = 1;

  constructor(storeName: string, clientId: string, legacyPost: (message: CallMessage) => void) {
    this.#outbox = new BroadcastChannel(callsChannelName(storeName));
    this.#legacyPost = legacyPost;
    this.#inbox = new BroadcastChannel(inboxChannelName(storeName, clientId));
    this.#inbox.onmessage = (event: MessageEvent<ResultMessage>) => {
      const result = event.data;
      const call = this.#pending.get(result.id);
      if (!call) return;
      this.#pending.delete(result.id);
      if (result.ok) call.resolve(result.value);
      else call.reject(fromWireError(result.error as Parameters<typeof fromWireError>[0]));
    };
  }

  /** Sends a call to `leaderId`; resolves with the leader's answer, whichever leader gives it. */
  send(
    from: string,
    leaderId: string,
    method: Method,
    args: unknown[],
    callId: string | undefined,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const message: CallMessage = {
        type: 'call',
        from,
        id: this.#nextCall++,
        method,
        args,
        to: leaderId,
        ...(callId !== undefined && { callId }),
      };
      this.#pending.set(message.id, { message, resolve, reject });
      try {
        this.#post(message);
      } catch (error) {
        this.#pending.delete(message.id);
        reject(
          (error as { name?: string }).name === 'DataCloneError'
            ? new ThreadkeepError(
                'INVALID_ARGUMENT',
                `an argument is not JSON and cannot be stored (${(error as Error).message})`,
              )
            : toThreadkeepError(error, 'forwarding the call'),
        );
      }
    });
  }

  #post(message: CallMessage): void {
    if (this.leaderHasCallsChannel) this.#outbox.postMessage(message);
    else this.#legacyPost(message);
  }

  /** A new leader: every unanswered call goes to it. */
  resend(leaderId: string): void {
    for (const call of this.#pending.values()) {
      call.message.to = leaderId;
      this.#post(call.message);
    }
  }

  /** This client leads now: hands over the unanswered calls to run here. */
  takeAll(): PendingCall[] {
    const calls = [...this.#pending.values()];
    this.#pending.clear();
    return calls;
  }

  rejectAll(error: ThreadkeepError): void {
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
  }

  close(): void {
    this.#inbox.close();
    this.#outbox.close();
  }
}

/**
 * A store client that never leads: for an extension's service worker, which can start no dedicated
 * worker. It speaks the tabs protocol (src/tabs/protocol.ts) as a follower, and makes sure a leader
 * exists by asking the extension's offscreen document to host the store.
 *
 * A leader always exists while the host lives: the host holds the store as leader or queues for
 * its Web Lock. This client also queues for the lock, only to learn that nobody leads: when it is
 * granted, it hands the lock straight back and summons the host again.
 */
import { fromWireError } from '../client/comlink-errors.js';
import type { Method } from '../core/api.js';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { WRITE_METHODS } from '../core/methods.js';
import type { Backend, Change, Durability } from '../core/types.js';
import { ForwardedCalls } from '../tabs/forwarded-calls.js';
import {
  callIdFor,
  joinedOnOtherBackend,
  type LeaderMessage,
  leaderLockName,
  PROTOCOL,
  type StoreMessage,
  storeChannelName,
} from '../tabs/protocol.js';
import { HOST_CHANNEL, type HostMessage, type HostRequest } from './protocol.js';

export interface RemoteClientOptions {
  name: string;
  backend: 'auto' | 'opfs' | 'indexeddb';
  durability: Durability;
  /** Makes sure the host page exists (creating the offscreen document). */
  startHost(): Promise<void>;
  /** Said in the error when no leader appears. */
  hostDescription: string;
}

const LEADER_WAIT_MS = 10_000;

export class RemoteClient {
  readonly clientId: string = newId();
  readonly options: RemoteClientOptions;
  #closed = false;
  #leaderId: string | undefined;
  /** The generation of the leader last announced (LeaderMessage.generation). */
  #leaderGeneration = -1;
  #opened: { backend: Backend; fallbackReason: string | null } | undefined;
  #waitingSince: ReturnType<typeof setTimeout> | undefined;
  #firstLeader: { resolve(): void; reject(error: ThreadkeepError): void } | undefined;
  #lockQueued = false;
  readonly #lockAbort = new AbortController();
  #nextCallId = 1;
  readonly #changeListeners = new Set<(changes: readonly Change[]) => void>();
  readonly #channel: BroadcastChannel;
  readonly #calls: ForwardedCalls;
  readonly #host: BroadcastChannel;

  private constructor(options: RemoteClientOptions) {
    this.options = options;
    this.#channel = new BroadcastChannel(storeChannelName(options.name));
    this.#channel.onmessage = (event: MessageEvent<StoreMessage>) => this.#onStoreMessage(event.data);
    this.#calls = new ForwardedCalls(options.name, this.clientId, (m) => this.#post(m));
    this.#host = new BroadcastChannel(HOST_CHANNEL);
    this.#host.onmessage = (event: MessageEvent<HostMessage>) => this.#onHostMessage(event.data);
  }

  /** Resolves once a leader answered; rejects with BACKEND_UNAVAILABLE if none appears. */
  static async open(options: RemoteClientOptions): Promise<RemoteClient> {
    const client = new RemoteClient(options);
    try {
      await new Promise<void>((resolve, reject) => {
        client.#firstLeader = { resolve, reject };
        client.#post({ type: 'hello', from: client.clientId });
        client.#needLeader();
      });
    } catch (error) {
      await client.close();
      throw error;
    }
    const mismatch = joinedOnOtherBackend(options.name, options.backend, client.#opened?.backend, '');
    if (mismatch) {
      await client.close();
      throw mismatch;
    }
    return client;
  }

  get opened(): { backend: Backend; fallbackReason: string | null } | undefined {
    return this.#opened;
  }

  // ---- finding a leader ----

  /** Nobody is known to lead: summon the host, and fail what waits if no leader comes in time. */
  #needLeader(): void {
    if (this.#closed || this.#waitingSince !== undefined) return;
    this.#waitingSince = setTimeout(() => {
      this.#waitingSince = undefined;
      if (this.#leaderId === undefined) {
        this.#failAll(
          new ThreadkeepError(
            'BACKEND_UNAVAILABLE',
            `no extension page took store "${this.options.name}" within ${LEADER_WAIT_MS / 1000} s; ${this.options.hostDescription}`,
          ),
        );
      }
    }, LEADER_WAIT_MS);
    this.options.startHost().then(
      () => this.#requestHost(),
      (error: unknown) => {
        // Fail fast (a missing permission is a set-up mistake), unless a page leads meanwhile.
        if (this.#leaderId === undefined)
          this.#failAll(toThreadkeepError(error, `starting the host of store "${this.options.name}"`));
      },
    );
  }

  #requestHost(): void {
    if (this.#closed) return;
    const { name, backend, durability } = this.options;
    this.#host.postMessage({ type: 'host', name, backend, durability } satisfies HostRequest);
  }

  /** Queues for the leader lock; being granted it means nobody leads (nor waits before us). */
  #queueForLock(): void {
    if (this.#closed || this.#lockQueued || typeof navigator.locks?.request !== 'function') return;
    this.#lockQueued = true;
    navigator.locks
      .request(leaderLockName(this.options.name), { signal: this.#lockAbort.signal }, () => {
        this.#lockQueued = false;
        if (this.#closed) return;
        this.#leaderId = undefined;
        this.#needLeader();
        // Returning releases the lock at once, for the host (or a page) to take.
      })
      .catch(() => {
        // Aborted on close.
      });
  }

  #failAll(error: ThreadkeepError): void {
    clearTimeout(this.#waitingSince);
    this.#waitingSince = undefined;
    this.#firstLeader?.reject(error);
    this.#firstLeader = undefined;
    this.#calls.rejectAll(error);
  }

  // ---- messages ----

  #post(message: StoreMessage): void {
    this.#channel.postMessage(message);
  }

  #onStoreMessage(message: StoreMessage): void {
    if (this.#closed) return;
    if (message.type === 'leader') this.#onLeader(message);
    else if (message.type === 'changes')
      for (const listener of this.#changeListeners) listener(message.changes);
  }

  #onLeader(message: LeaderMessage): void {
    const changed = message.leaderId !== this.#leaderId || message.generation !== this.#leaderGeneration;
    this.#leaderId = message.leaderId;
    this.#leaderGeneration = message.generation;
    this.#calls.leaderHasCallsChannel = (message.protocol ?? 1) >= PROTOCOL;
    this.#opened = { backend: message.backend, fallbackReason: message.fallbackReason };
    clearTimeout(this.#waitingSince);
    this.#waitingSince = undefined;
    this.#firstLeader?.resolve();
    this.#firstLeader = undefined;
    this.#queueForLock();
    // Calls the previous leader may or may not have applied: call ids make them apply once.
    if (changed) this.#calls.resend(message.leaderId);
  }

  #onHostMessage(message: HostMessage): void {
    if (this.#closed) return;
    if (message.type === 'host-ready') this.#requestHost();
    else if (message.type === 'host-failed' && message.name === this.options.name && !this.#leaderId) {
      this.#failAll(fromWireError(message.error as Parameters<typeof fromWireError>[0]));
    }
  }

  onChanges(listener: (changes: readonly Change[]) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  // ---- calls ----

  /** Sends a call to the leader, through leader changes; a write applies at most once. */
  invoke(method: Method, args: unknown[]): Promise<unknown> {
    if (this.#closed)
      return Promise.reject(new ThreadkeepError('CLOSED', `store "${this.options.name}" is closed`));
    const callId = WRITE_METHODS.has(method) ? callIdFor(this.clientId, this.#nextCallId++) : undefined;
    // With no leader known, the call goes to nobody now and to the next leader when it announces.
    if (this.#leaderId === undefined) this.#needLeader();
    return this.#calls.send(this.clientId, this.#leaderId ?? '', method, args, callId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lockAbort.abort();
    this.#failAll(new ThreadkeepError('CLOSED', `store "${this.options.name}" is closed`));
    this.#changeListeners.clear();
    this.#channel.close();
    this.#calls.close();
    this.#host.close();
  }
}

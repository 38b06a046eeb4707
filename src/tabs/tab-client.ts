/**
 * One open Store in one tab (or app worker), sharing its store with every other tab of the origin.
 *
 * Election: whoever holds the store's Web Lock leads; it runs the database in its own dedicated
 * worker. Everyone else queues for the lock and, meanwhile, follows: it sends its calls to the
 * leader over BroadcastChannel and hears committed changes from it. The lock dies with its holder
 * (tab closed, crashed, reloaded), so a queued follower is granted it and takes over.
 *
 * Exactly once: every write carries a call id that the engine records in the write's own
 * transaction. A follower whose leader died re-sends its unanswered calls to the next leader,
 * which answers already-applied ones from the record instead of applying them again.
 */

import { toWireError } from '../client/comlink-errors.js';
import type { WorkerOpened } from '../client/worker-host.js';
import type { Method } from '../core/api.js';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { WRITE_METHODS } from '../core/methods.js';
import type { Change, Durability } from '../core/types.js';
import { ForwardedCalls } from './forwarded-calls.js';
import { LeaderWorker } from './leader-worker.js';
import {
  type CallMessage,
  type ChangesMessage,
  callIdFor,
  callsChannelName,
  joinedOnOtherBackend,
  type LeaderMessage,
  leaderLockName,
  PROTOCOL,
  type ResultMessage,
  type StoreMessage,
  storeChannelName,
} from './protocol.js';
import { ReplyChannels } from './reply-channels.js';

export interface TabClientOptions {
  name: string;
  backend: 'auto' | 'opfs' | 'indexeddb' | 'memory';
  durability: Durability;
  /** Recover a damaged store when this tab leads (a follower's leader has it open already). */
  recover: boolean;
}

type Role = 'connecting' | 'leader' | 'follower' | 'suspended' | 'closed';

const LEADER_WAIT_MS = 10_000;

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class TabClient {
  readonly clientId: string = newId();
  readonly options: TabClientOptions;
  /** Whether other tabs share this store (durable backends) or it is this client's alone (memory). */
  readonly shared: boolean;
  #role: Role = 'connecting';
  #ready = deferred<void>();
  #leaderId: string | undefined;
  #opened: WorkerOpened | undefined;
  #leader: LeaderWorker | undefined;
  #releaseLock: (() => void) | undefined;
  #lockRequest: AbortController | undefined;
  #channel: BroadcastChannel | undefined;
  #callsChannel: BroadcastChannel | undefined;
  #replies: ReplyChannels | undefined;
  /** This leader's worker losses (LeaderMessage.generation). */
  #generation = 0;
  /** The leader and generation this follower last heard announced. */
  #leaderGeneration = -1;
  #calls: ForwardedCalls | undefined;
  #nextCallId = 1;
  readonly #changeListeners = new Set<(changes: readonly Change[]) => void>();
  #failure: ThreadkeepError | undefined;

  private constructor(options: TabClientOptions) {
    this.options = options;
    this.shared = options.backend !== 'memory' && typeof navigator.locks?.request === 'function';
  }

  /** Opens the store as leader or follower; resolves once calls can be answered. */
  static async open(options: TabClientOptions): Promise<TabClient> {
    const client = new TabClient(options);
    client.#join();
    try {
      await client.#ready.promise;
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
    const mismatch = joinedOnOtherBackend(
      options.name,
      options.backend,
      client.#opened?.backend,
      ' in another tab',
    );
    if (mismatch) {
      await client.close();
      throw mismatch;
    }
    return client;
  }

  get role(): 'leader' | 'follower' | 'single' {
    if (!this.shared) return 'single';
    return this.#role === 'leader' ? 'leader' : 'follower';
  }

  get opened(): WorkerOpened | undefined {
    return this.#opened;
  }

  // ---- election ----

  #join(): void {
    this.#role = 'connecting';
    if (!this.shared) {
      void this.#lead(undefined, true);
      return;
    }
    this.#channel ??= this.#openChannel();
    this.#calls ??= new ForwardedCalls(this.options.name, this.clientId, (m) => this.#post(m));
    const lock = leaderLockName(this.options.name);
    void navigator.locks.request(lock, { ifAvailable: true }, (held) => {
      if (!held) {
        this.#follow();
        return undefined;
      }
      return new Promise<void>((release) => void this.#lead(release, true));
    });
  }

  #follow(): void {
    this.#role = 'follower';
    this.#post({ type: 'hello', from: this.clientId });
    const abort = new AbortController();
    this.#lockRequest = abort;
    navigator.locks
      .request(leaderLockName(this.options.name), { signal: abort.signal }, () => {
        if (this.#role === 'closed' || this.#role === 'suspended') return undefined;
        return new Promise<void>((release) => void this.#lead(release, false));
      })
      .catch(() => {
        // Aborted on close or pagehide.
      });
    const timer = setTimeout(() => {
      this.#ready.reject(
        new ThreadkeepError(
          'BACKEND_UNAVAILABLE',
          `store "${this.options.name}" is held by another tab or worker that did not answer within ${LEADER_WAIT_MS / 1000} s`,
        ),
      );
    }, LEADER_WAIT_MS);
    this.#ready.promise.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }

  /** Holding the lock: start the database worker, announce, and answer every waiting call. */
  async #lead(release: (() => void) | undefined, initial: boolean): Promise<void> {
    this.#releaseLock = release;
    try {
      const leader = await LeaderWorker.start(
        this.options,
        (changes) => this.#committed(changes),
        this.shared
          ? {
              leaderId: this.clientId,
              onWorkerLost: () => {
                this.#generation++;
                this.#announce();
              },
            }
          : undefined,
      );
      if (this.#role === 'closed' || this.#role === 'suspended') {
        await leader.close();
        this.#giveUpLock();
        return;
      }
      this.#leader = leader;
      this.#opened = leader.opened;
      this.#role = 'leader';
      if (this.shared) this.#callsChannel = this.#openCallsChannel();
      this.#leaderId = this.clientId;
      this.#announce();
      this.#ready.resolve();
      // Calls this client had sent to the previous leader: it may have applied some; call ids tell.
      for (const call of this.#calls?.takeAll() ?? []) {
        leader
          .run(call.message.method, call.message.args, call.message.callId)
          .then(call.resolve, call.reject);
      }
    } catch (error) {
      const failure = toThreadkeepError(error, `opening store "${this.options.name}"`);
      this.#giveUpLock();
      if (initial) {
        this.#ready.reject(failure);
        return;
      }
      this.#fail(failure);
    }
  }

  #announce(): void {
    if (!this.shared || !this.#opened) return;
    this.#post({
      type: 'leader',
      leaderId: this.clientId,
      generation: this.#generation,
      protocol: PROTOCOL,
      backend: this.#opened.backend,
      fallbackReason: this.#opened.fallbackReason,
    });
  }

  #giveUpLock(): void {
    this.#releaseLock?.();
    this.#releaseLock = undefined;
    this.#callsChannel?.close();
    this.#callsChannel = undefined;
    this.#replies?.close();
    this.#replies = undefined;
  }

  #fail(error: ThreadkeepError): void {
    this.#failure = error;
    this.#calls?.rejectAll(error);
  }

  // ---- messages ----

  #openChannel(): BroadcastChannel {
    const channel = new BroadcastChannel(storeChannelName(this.options.name));
    channel.onmessage = (event: MessageEvent<StoreMessage>) => this.#onStoreMessage(event.data);
    return channel;
  }

  /**
   * Followers' calls, heard here too: the worker answers them while it is up; a call it lost in
   * dying is sent again on the announcement that follows, and answered here, which restarts it.
   */
  #openCallsChannel(): BroadcastChannel {
    const channel = new BroadcastChannel(callsChannelName(this.options.name));
    channel.onmessage = (event: MessageEvent<CallMessage>) => {
      const call = event.data;
      if (this.#role === 'leader' && call.to === this.clientId && !this.#leader?.serving) this.#answer(call);
    };
    return channel;
  }

  #post(message: StoreMessage): void {
    this.#channel?.postMessage(message);
  }

  #onStoreMessage(message: StoreMessage): void {
    switch (message.type) {
      case 'hello':
        if (this.#role === 'leader') this.#announce();
        return;
      case 'leader':
        this.#onLeader(message);
        return;
      case 'changes':
        if (this.#role !== 'leader') this.#deliver(message.changes);
        return;
      case 'call':
        // From a tab of an older version (see PROTOCOL).
        if (this.#role === 'leader' && message.to === this.clientId) this.#answer(message);
        return;
    }
  }

  #onLeader(message: LeaderMessage): void {
    if (this.#role !== 'follower' && this.#role !== 'connecting') return;
    const changed = message.leaderId !== this.#leaderId || message.generation !== this.#leaderGeneration;
    this.#leaderId = message.leaderId;
    this.#leaderGeneration = message.generation;
    if (this.#calls) this.#calls.leaderHasCallsChannel = (message.protocol ?? 1) >= PROTOCOL;
    this.#opened = { backend: message.backend, fallbackReason: message.fallbackReason };
    this.#ready.resolve();
    if (changed) this.#calls?.resend(message.leaderId);
  }

  #answer(call: CallMessage): void {
    this.#replies ??= new ReplyChannels(this.options.name);
    const replies = this.#replies;
    const reply = (result: ResultMessage) => replies.send(call.from, result);
    this.#runLocal(call.method, call.args, call.callId).then(
      (value) => reply({ type: 'result', id: call.id, ok: true, value }),
      (error: unknown) => {
        // A leader closing or hidden mid-call: stay silent, the follower re-sends to the next one.
        if (this.#role !== 'leader') return;
        reply({ type: 'result', id: call.id, ok: false, error: toWireError(error) });
      },
    );
  }

  #committed(changes: readonly Change[]): void {
    this.#deliver(changes);
    if (this.shared)
      this.#post({ type: 'changes', leaderId: this.clientId, changes } satisfies ChangesMessage);
  }

  #deliver(changes: readonly Change[]): void {
    for (const listener of this.#changeListeners) listener(changes);
  }

  onChanges(listener: (changes: readonly Change[]) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  // ---- calls ----

  /** Runs a call here if leading, else at the leader; waits through elections. */
  async invoke(method: Method, args: unknown[]): Promise<unknown> {
    if (this.#role === 'closed')
      throw new ThreadkeepError('CLOSED', `store "${this.options.name}" is closed`);
    if (this.#failure) throw this.#failure;
    const callId = WRITE_METHODS.has(method) ? callIdFor(this.clientId, this.#nextCallId++) : undefined;
    await this.#ready.promise;
    if (this.#role === 'leader') return this.#runLocal(method, args, callId);
    if (!this.#calls) throw new ThreadkeepError('INTERNAL', 'a follower without a channel to its leader');
    return this.#calls.send(this.clientId, this.#leaderId ?? '', method, args, callId);
  }

  #runLocal(method: Method, args: unknown[], callId: string | undefined): Promise<unknown> {
    if (!this.#leader)
      return Promise.reject(new ThreadkeepError('CLOSED', `store "${this.options.name}" is not open here`));
    return this.#leader.run(method, args, callId);
  }

  // ---- lifecycle ----

  /** pagehide/freeze: let go of the lock and the files now, so other tabs are never blocked. */
  suspend(): void {
    if (this.#role === 'closed' || this.#role === 'suspended') return;
    const wasLeader = this.#role === 'leader';
    this.#role = 'suspended';
    this.#lockRequest?.abort();
    if (wasLeader) {
      this.#leader?.terminate('the page was hidden; the store was handed to another tab');
      this.#leader = undefined;
      this.#giveUpLock();
    }
    this.#ready = deferred<void>();
    this.#leaderId = undefined;
  }

  /** pageshow/resume after suspend: join the election again. */
  resume(): void {
    if (this.#role !== 'suspended') return;
    this.#join();
  }

  async close(): Promise<void> {
    if (this.#role === 'closed') return;
    const wasLeader = this.#role === 'leader';
    this.#role = 'closed';
    this.#lockRequest?.abort();
    const closedError = new ThreadkeepError('CLOSED', `store "${this.options.name}" is closed`);
    this.#ready.reject(closedError);
    this.#calls?.rejectAll(closedError);
    this.#changeListeners.clear();
    try {
      if (wasLeader) await this.#leader?.close();
    } finally {
      this.#leader = undefined;
      this.#giveUpLock();
      this.#channel?.close();
      this.#calls?.close();
    }
  }
}

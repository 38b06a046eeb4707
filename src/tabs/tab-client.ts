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

import { fromWireError, toWireError } from '../client/comlink-errors.js';
import { WorkerConnection } from '../client/worker-connection.js';
import type { WorkerOpened } from '../client/worker-host.js';
import type { Method } from '../core/api.js';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { WRITE_METHODS } from '../core/methods.js';
import type { Change, Durability } from '../core/types.js';
import {
  type CallMessage,
  type ChangesMessage,
  inboxChannelName,
  type LeaderMessage,
  leaderLockName,
  type ResultMessage,
  type StoreMessage,
  storeChannelName,
} from './protocol.js';

export interface TabClientOptions {
  name: string;
  backend: 'auto' | 'opfs' | 'indexeddb' | 'memory';
  durability: Durability;
}

type Role = 'connecting' | 'leader' | 'follower' | 'suspended' | 'closed';

interface PendingCall {
  message: CallMessage;
  resolve(value: unknown): void;
  reject(error: ThreadkeepError): void;
}

const LEADER_WAIT_MS = 10_000;
const BUSY_RETRY_MS = 100;
const BUSY_RETRY_LIMIT_MS = 5_000;

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TabClient {
  readonly clientId: string = newId();
  readonly options: TabClientOptions;
  /** Whether other tabs share this store (durable backends) or it is this client's alone (memory). */
  readonly shared: boolean;
  #role: Role = 'connecting';
  #ready = deferred<void>();
  #leaderId: string | undefined;
  #opened: WorkerOpened | undefined;
  #connection: WorkerConnection | undefined;
  #restarting: Promise<WorkerConnection> | undefined;
  #releaseLock: (() => void) | undefined;
  #lockRequest: AbortController | undefined;
  #channel: BroadcastChannel | undefined;
  #inbox: BroadcastChannel | undefined;
  readonly #pending = new Map<number, PendingCall>();
  #nextCall = 1;
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
    const wanted = options.backend;
    const actual = client.#opened?.backend;
    if (wanted !== 'auto' && actual !== wanted) {
      await client.close();
      throw new ThreadkeepError(
        'BACKEND_UNAVAILABLE',
        `store "${options.name}" is already open in another tab on backend '${actual}', not '${wanted}'; a second copy on another backend would split its data`,
        { backend: wanted },
      );
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
    this.#inbox ??= this.#openInbox();
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
      const connection = await this.#startWorker();
      if (this.#role === 'closed' || this.#role === 'suspended') {
        await connection.close();
        this.#giveUpLock();
        return;
      }
      this.#connection = connection;
      this.#opened = connection.opened;
      this.#role = 'leader';
      this.#leaderId = this.clientId;
      this.#announce();
      this.#ready.resolve();
      // Calls this client had sent to the previous leader: it may have applied some; call ids tell.
      for (const [id, call] of this.#pending) {
        this.#pending.delete(id);
        this.#runLocal(call.message.method, call.message.args, call.message.callId).then(
          call.resolve,
          call.reject,
        );
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

  async #startWorker(): Promise<WorkerConnection> {
    const started = Date.now();
    for (;;) {
      try {
        const connection = await WorkerConnection.start(this.options, () => {});
        connection.subscribe((changes) => this.#committed(changes));
        return connection;
      } catch (error) {
        // We hold the lock, so "busy" means a dead leader's OPFS handles not yet released.
        const busy =
          error instanceof ThreadkeepError && (error.details as { busy?: boolean } | undefined)?.busy;
        if (!busy || Date.now() - started > BUSY_RETRY_LIMIT_MS) throw error;
        await sleep(BUSY_RETRY_MS);
      }
    }
  }

  #announce(): void {
    if (!this.shared || !this.#opened) return;
    this.#post({
      type: 'leader',
      leaderId: this.clientId,
      backend: this.#opened.backend,
      fallbackReason: this.#opened.fallbackReason,
    });
  }

  #giveUpLock(): void {
    this.#releaseLock?.();
    this.#releaseLock = undefined;
  }

  #fail(error: ThreadkeepError): void {
    this.#failure = error;
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
  }

  // ---- messages ----

  #openChannel(): BroadcastChannel {
    const channel = new BroadcastChannel(storeChannelName(this.options.name));
    channel.onmessage = (event: MessageEvent<StoreMessage>) => this.#onStoreMessage(event.data);
    return channel;
  }

  #openInbox(): BroadcastChannel {
    const inbox = new BroadcastChannel(inboxChannelName(this.options.name, this.clientId));
    inbox.onmessage = (event: MessageEvent<ResultMessage>) => {
      const result = event.data;
      const call = this.#pending.get(result.id);
      if (!call) return;
      this.#pending.delete(result.id);
      if (result.ok) call.resolve(result.value);
      else call.reject(fromWireError(result.error as Parameters<typeof fromWireError>[0]));
    };
    return inbox;
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
      case 'call':
        if (this.#role === 'leader' && message.to === this.clientId) this.#answer(message);
        return;
      case 'changes':
        if (this.#role !== 'leader') this.#deliver(message.changes);
        return;
    }
  }

  #onLeader(message: LeaderMessage): void {
    if (this.#role !== 'follower' && this.#role !== 'connecting') return;
    const changed = message.leaderId !== this.#leaderId;
    this.#leaderId = message.leaderId;
    this.#opened = { backend: message.backend, fallbackReason: message.fallbackReason };
    this.#ready.resolve();
    if (!changed) return;
    for (const call of this.#pending.values()) {
      call.message.to = message.leaderId;
      this.#post(call.message);
    }
  }

  #answer(call: CallMessage): void {
    const reply = (result: ResultMessage) => {
      const inbox = new BroadcastChannel(inboxChannelName(this.options.name, call.from));
      inbox.postMessage(result);
      inbox.close();
    };
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
    const callId = WRITE_METHODS.has(method) ? `${this.clientId}:${this.#nextCallId++}` : undefined;
    await this.#ready.promise;
    if (this.#role === 'leader') return this.#runLocal(method, args, callId);
    return new Promise((resolve, reject) => {
      const message: CallMessage = {
        type: 'call',
        from: this.clientId,
        id: this.#nextCall++,
        method,
        args,
        to: this.#leaderId ?? '',
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

  async #runLocal(method: Method, args: unknown[], callId: string | undefined): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#liveConnection();
      try {
        return await connection.call(method, args, callId);
      } catch (error) {
        // The worker died under the call: once, retry on a fresh worker; a write's call id keeps
        // it from applying twice.
        const retry =
          connection.dead &&
          attempt === 0 &&
          this.#role === 'leader' &&
          (error as ThreadkeepError).code === 'INTERNAL';
        if (!retry) throw error;
      }
    }
  }

  /** The leader's worker, restarted (on the same backend) if it died. */
  async #liveConnection(): Promise<WorkerConnection> {
    const current = this.#connection;
    if (!current) throw new ThreadkeepError('CLOSED', `store "${this.options.name}" is not open here`);
    if (!current.dead) return current;
    this.#restarting ??= this.#startWorker()
      .then((c) => {
        this.#connection = c;
        return c;
      })
      .finally(() => {
        this.#restarting = undefined;
      });
    return this.#restarting;
  }

  // ---- lifecycle ----

  /** pagehide/freeze: let go of the lock and the files now, so other tabs are never blocked. */
  suspend(): void {
    if (this.#role === 'closed' || this.#role === 'suspended') return;
    const wasLeader = this.#role === 'leader';
    this.#role = 'suspended';
    this.#lockRequest?.abort();
    if (wasLeader) {
      this.#connection?.terminate('the page was hidden; the store was handed to another tab');
      this.#connection = undefined;
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
    for (const call of this.#pending.values()) call.reject(closedError);
    this.#pending.clear();
    this.#changeListeners.clear();
    try {
      if (wasLeader) await this.#connection?.close();
    } finally {
      this.#connection = undefined;
      this.#giveUpLock();
      this.#channel?.close();
      this.#inbox?.close();
    }
  }
}

/**
 * What the worker exposes through comlink: open a store on a chosen backend, run calls, stream
 * changes, close. The main thread's client is typed from this object (`WorkerHost`), so the two
 * cannot drift apart.
 */
import { transfer } from 'comlink';
import { damagedBrowserStore, openBrowserBackend } from '../backends/browser-backends.js';
import { loadSqlite } from '../backends/load-sqlite.js';
import { type Call, createHandlers, type Handlers, type Method } from '../core/api.js';
import type { Engine } from '../core/engine.js';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import { openEngine } from '../core/open-engine.js';
import type { Backend, Change, Durability } from '../core/types.js';
import { FollowerService } from '../tabs/follower-service.js';
import { registerErrorTransfer } from './comlink-errors.js';
import { CHANGES_MESSAGE, type ChangesFromWorker, type InvokeReply } from './worker-messages.js';

export interface WorkerOpenOptions {
  name: string;
  /** Name of the lock this worker holds while alive (see holdLivenessLock). */
  livenessLock: string;
  backend: 'auto' | 'opfs' | 'indexeddb' | 'memory';
  durability: Durability;
  /** openStore's `recover`: recover a damaged store instead of refusing it. */
  recover: boolean;
}

export interface WorkerOpened {
  backend: Backend;
  fallbackReason: string | null;
}

/**
 * Holds a lock named after this worker for as long as it lives: the main thread queues for the
 * same lock, and is granted it when this worker dies, however it dies.
 */
function holdLivenessLock(lockName: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    navigator.locks.request(lockName, () => new Promise<void>((release) => resolve(release))).catch(reject);
  });
}

/**
 * Committed changes reach the main thread in commit order on the worker's own channel, the one
 * comlink answers on: with the answer of the call that made them (one message per call, where a
 * separate post of its changes measured ~0.1 ms on the path of every OPFS write), or, for changes
 * no answer carries (other tabs' calls, a close), in a message of their own posted a task later,
 * after any answer already on its way. Listeners of this tab therefore hear a call's changes
 * before the call resolves.
 */
export function createWorkerHost(post: (message: unknown) => void = (m) => globalThis.postMessage(m)) {
  registerErrorTransfer();
  let engine: Engine | undefined;
  let handlers: Handlers | undefined;
  let releaseLock: (() => void) | undefined;
  let followers: FollowerService | undefined;
  let unsent: (readonly Change[])[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  const takeUnsent = () => {
    const out = unsent;
    unsent = [];
    return out;
  };
  const flush = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (unsent.length > 0) post({ type: CHANGES_MESSAGE, changes: takeUnsent() } satisfies ChangesFromWorker);
  };

  const run = async (method: Method, args: unknown[], callId?: string): Promise<unknown> => {
    if (!handlers) throw new ThreadkeepError('CLOSED', 'the store is not open in this worker');
    const handler = handlers[method] as ((call: Call, ...a: unknown[]) => Promise<unknown>) | undefined;
    if (typeof handler !== 'function')
      throw new ThreadkeepError('INVALID_ARGUMENT', `unknown method "${method}"`);
    return handler({ callId }, ...args);
  };

  const host = {
    /**
     * Takes the liveness lock before anything slow: the main thread watches it from then on, so a
     * worker that dies while opening is noticed too.
     */
    async hold(lockName: string): Promise<void> {
      if (!releaseLock && typeof navigator.locks?.request === 'function') {
        releaseLock = await holdLivenessLock(lockName);
      }
    },

    async open(options: WorkerOpenOptions): Promise<WorkerOpened> {
      if (engine) throw new ThreadkeepError('INTERNAL', 'this worker already holds a store');
      await host.hold(options.livenessLock);
      try {
        const sqlite = await loadSqlite();
        const { name, backend, durability, recover } = options;
        const opened = await openEngine(
          sqlite,
          () => openBrowserBackend(sqlite, name, backend, durability),
          { name, durability, recover },
          (damaged) => damagedBrowserStore(sqlite, name, damaged, durability),
        );
        engine = opened.engine;
        handlers = createHandlers(engine);
        return { backend: opened.opened.driver.backend, fallbackReason: opened.opened.fallbackReason };
      } catch (error) {
        // The lock stays held: released now, it could reach the main thread before this error
        // and pass for a dead worker. The main thread ends this worker once it has the error.
        throw toThreadkeepError(error, `opening store "${options.name}"`, options.name);
      }
    },

    async invoke(method: Method, args: unknown[], callId?: string): Promise<InvokeReply> {
      const value = await run(method, args, callId);
      // Taken here, in the same run of microtasks in which comlink posts the answer: a flush, a
      // task later, can only come after it.
      const reply: InvokeReply = { value, changes: takeUnsent() };
      // Artifact bytes move to the main thread instead of being copied.
      if (value instanceof Uint8Array && value.byteLength > 64 * 1024) return transfer(reply, [value.buffer]);
      return reply;
    },

    /** Sends every committed change to the main thread from now on, in commit order. */
    subscribe(): void {
      engine?.onChanges((changes) => {
        unsent.push(changes);
        flushTimer ??= setTimeout(flush, 0);
      });
    },

    /** Answers the calls other tabs send to leader `leaderId` (see FollowerService), until close. */
    serveFollowers(storeName: string, leaderId: string): void {
      if (!engine || followers) return;
      followers = new FollowerService(storeName, leaderId, run);
    },

    async close(): Promise<void> {
      followers?.stop();
      followers = undefined;
      const e = engine;
      engine = undefined;
      handlers = undefined;
      try {
        await e?.close();
      } finally {
        // Changes of calls that ran while closing, before the answer to close.
        flush();
        releaseLock?.();
        releaseLock = undefined;
      }
    },
  };
  return host;
}

export type WorkerHost = ReturnType<typeof createWorkerHost>;

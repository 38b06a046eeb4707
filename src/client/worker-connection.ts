/**
 * One dedicated worker holding one store, seen from the main thread. No promise hangs: when the
 * worker fails to start, crashes or is terminated (close, pagehide), every call in flight rejects
 * with a ThreadkeepError; the client then starts a fresh worker for the next call.
 */

import { type Remote, releaseProxy, wrap } from 'comlink';
import type { Method } from '../core/api.js';
import { describeValue, ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Change } from '../core/types.js';
import { workerLockName } from '../tabs/protocol.js';
import { registerErrorTransfer } from './comlink-errors.js';
import type { WorkerHost, WorkerOpened, WorkerOpenOptions } from './worker-host.js';
import { CHANGES_MESSAGE, type ChangesFromWorker } from './worker-messages.js';

export class WorkerConnection {
  readonly opened: WorkerOpened;
  readonly #worker: Worker;
  readonly #remote: Remote<WorkerHost>;
  readonly #pending = new Set<(error: ThreadkeepError) => void>();
  #listener: ((changes: readonly Change[]) => void) | undefined;
  #dead: ThreadkeepError | undefined;
  #closing = false;
  readonly #onDeath: (error: ThreadkeepError) => void;

  private constructor(
    worker: Worker,
    remote: Remote<WorkerHost>,
    opened: WorkerOpened,
    onDeath: (e: ThreadkeepError) => void,
  ) {
    this.#worker = worker;
    this.#remote = remote;
    this.opened = opened;
    this.#onDeath = onDeath;
    worker.addEventListener('message', (event: MessageEvent<ChangesFromWorker | undefined>) => {
      if (event.data?.type === CHANGES_MESSAGE) this.#deliver(event.data.changes);
    });
  }

  #deliver(commits: readonly (readonly Change[])[]): void {
    if (this.#dead) return;
    for (const changes of commits) this.#listener?.(changes);
  }

  /**
   * Starts a worker and opens the store in it; rejects (never hangs) if either fails. A store
   * found busy is opened again in the same worker for up to `busyRetryMs` (see openRetryingBusy).
   */
  static async start(
    options: Omit<WorkerOpenOptions, 'livenessLock'>,
    onDeath: (error: ThreadkeepError) => void,
    busyRetryMs = 0,
  ): Promise<WorkerConnection> {
    registerErrorTransfer();
    const livenessLock = workerLockName(options.name, newId());
    let worker: Worker;
    try {
      worker = new Worker(new URL('../../worker/worker.js', import.meta.url), {
        type: 'module',
        name: `threadkeep:${options.name}`,
      });
    } catch (error) {
      throw new ThreadkeepError(
        'BACKEND_UNAVAILABLE',
        `could not start the threadkeep worker: ${describeError(error)}`,
      );
    }
    const remote = wrap<WorkerHost>(worker);
    const failedToStart = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (event) => {
        reject(
          new ThreadkeepError(
            'BACKEND_UNAVAILABLE',
            `the threadkeep worker failed to start (${event.message || 'its script could not be loaded'}); if you bundle threadkeep, make sure its worker and sqlite3.wasm are served`,
          ),
        );
      });
    });
    // A worker that dies (out of memory, killed) sends no message. Its first act is to take a
    // lock named after it, held until it dies: queueing for that lock tells when it is gone, while
    // it opens the store (else that open would wait forever) as afterwards.
    let gone: () => void = () => {};
    const stopped = new Promise<never>((_, reject) => {
      gone = () =>
        reject(
          new ThreadkeepError(
            'INTERNAL',
            `the threadkeep worker stopped while opening store "${options.name}"`,
          ),
        );
    });
    stopped.catch(() => {});
    try {
      if (typeof navigator.locks?.request === 'function') {
        const timeout = startTimeout(options.name);
        try {
          await Promise.race([remote.hold(livenessLock), failedToStart, timeout.promise]);
        } finally {
          timeout.clear();
        }
        void navigator.locks.request(livenessLock, () => gone());
      }
      const opened = await openRetryingBusy(
        () => Promise.race([remote.open({ ...options, livenessLock }), failedToStart, stopped]),
        busyRetryMs,
      );
      const connection = new WorkerConnection(worker, remote, opened, onDeath);
      gone = () => {
        if (!connection.#dead && !connection.#closing) {
          connection.#die(
            new ThreadkeepError(
              'INTERNAL',
              `the worker holding store "${options.name}" stopped unexpectedly`,
            ),
          );
        }
      };
      return connection;
    } catch (error) {
      gone = () => {};
      worker.terminate();
      throw toThreadkeepError(error, `opening store "${options.name}"`);
    }
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  async call(method: Method, args: unknown[], callId?: string): Promise<unknown> {
    if (this.#dead) throw this.#dead;
    return new Promise((resolve, reject) => {
      this.#pending.add(reject);
      this.#remote
        .invoke(method, args, callId)
        .then(
          (reply) => {
            // Before the call resolves, as with a store in this thread.
            this.#deliver(reply.changes);
            resolve(reply.value);
          },
          (error: unknown) => reject(mapCallError(error)),
        )
        .finally(() => this.#pending.delete(reject));
    });
  }

  /** Hears every change the worker commits, in commit order (see createWorkerHost). */
  subscribe(listener: (changes: readonly Change[]) => void): void {
    this.#listener = listener;
    void this.#remote.subscribe().catch(() => {});
  }

  /** Has the worker answer other tabs' calls to `leaderId` itself (see FollowerService). */
  async serveFollowers(storeName: string, leaderId: string): Promise<void> {
    if (this.#dead) throw this.#dead;
    await this.#remote.serveFollowers(storeName, leaderId);
  }

  #die(error: ThreadkeepError): void {
    this.#dead = error;
    this.#worker.terminate();
    for (const reject of this.#pending) reject(error);
    this.#pending.clear();
    this.#onDeath(error);
  }

  /** Ends the worker at once (pagehide): its lock and OPFS handles go with it. */
  terminate(reason: string): void {
    if (!this.#dead) this.#die(new ThreadkeepError('CLOSED', reason));
  }

  /** Closes the store in the worker (checkpoint, release handles), then ends the worker. */
  async close(): Promise<void> {
    if (this.#dead) return;
    this.#closing = true;
    try {
      await this.#remote.close();
    } finally {
      this.#remote[releaseProxy]();
      this.terminate('the store was closed');
    }
  }
}

/**
 * A worker takes its liveness lock as soon as its script has run; until then only this bounds the
 * wait for one that dies while loading (a script that fails to load fires 'error' instead).
 */
const HOLD_TIMEOUT_MS = 60_000;

function startTimeout(name: string): { promise: Promise<never>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ThreadkeepError(
            'BACKEND_UNAVAILABLE',
            `the threadkeep worker for store "${name}" did not start within ${HOLD_TIMEOUT_MS / 1000} s`,
          ),
        ),
      HOLD_TIMEOUT_MS,
    );
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/**
 * The caller of a busy-retrying open holds the store's lock, so "busy" can only be the OPFS access
 * handles of a leader that just went away, which the browser releases a moment after its lock.
 * Retried in the worker that is already up (SQLite loaded), soon at first: a takeover waits for
 * the handles, not for a whole new worker.
 */
async function openRetryingBusy<T>(open: () => Promise<T>, busyRetryMs: number): Promise<T> {
  const started = Date.now();
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      return await open();
    } catch (error) {
      const busy = (error as ThreadkeepError | undefined)?.details as { busy?: boolean } | undefined;
      if (!busy?.busy || Date.now() - started + wait > busyRetryMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
}

/** Arguments that cannot cross to the worker (functions, symbols) are bad arguments, not crashes. */
function mapCallError(error: unknown): ThreadkeepError {
  if ((error as { name?: string })?.name === 'DataCloneError') {
    return new ThreadkeepError(
      'INVALID_ARGUMENT',
      `an argument is not JSON and cannot be stored (${(error as Error).message})`,
    );
  }
  return toThreadkeepError(error, 'the call');
}

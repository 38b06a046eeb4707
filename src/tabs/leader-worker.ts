/**
 * The leader's side of a store: its dedicated worker, started while the leader holds the lock,
 * restarted on the same backend if it dies, with a call that was under way when it died run
 * once more on the new worker (a write's call id keeps it from applying twice).
 */

import { WorkerConnection } from '../client/worker-connection.js';
import type { WorkerOpened, WorkerOpenOptions } from '../client/worker-host.js';
import type { Method } from '../core/api.js';
import { ThreadkeepError } from '../core/errors.js';
import type { Change } from '../core/types.js';

const BUSY_RETRY_LIMIT_MS = 5_000;

type StartOptions = Omit<WorkerOpenOptions, 'livenessLock'>;

async function startConnection(
  options: StartOptions,
  onChanges: (changes: readonly Change[]) => void,
): Promise<WorkerConnection> {
  // The caller holds the store's lock, so "busy" can only be a dead leader's OPFS handles that the
  // browser has not released yet: the worker waits for them.
  const connection = await WorkerConnection.start(options, () => {}, BUSY_RETRY_LIMIT_MS);
  connection.subscribe(onChanges);
  return connection;
}

export class LeaderWorker {
  readonly opened: WorkerOpened;
  readonly #options: StartOptions;
  readonly #onChanges: (changes: readonly Change[]) => void;
  #connection: WorkerConnection;
  #restarting: Promise<WorkerConnection> | undefined;
  #stopped = false;

  private constructor(
    options: StartOptions,
    onChanges: (changes: readonly Change[]) => void,
    first: WorkerConnection,
  ) {
    this.#options = options;
    this.#onChanges = onChanges;
    this.#connection = first;
    this.opened = first.opened;
  }

  static async start(
    options: StartOptions,
    onChanges: (changes: readonly Change[]) => void,
  ): Promise<LeaderWorker> {
    return new LeaderWorker(options, onChanges, await startConnection(options, onChanges));
  }

  async run(method: Method, args: unknown[], callId: string | undefined): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#live();
      try {
        return await connection.call(method, args, callId);
      } catch (error) {
        const workerDied = connection.dead && (error as ThreadkeepError).code === 'INTERNAL';
        if (!workerDied || attempt > 0 || this.#stopped) throw error;
      }
    }
  }

  async #live(): Promise<WorkerConnection> {
    if (this.#stopped)
      throw new ThreadkeepError('CLOSED', `store "${this.#options.name}" is not led here any more`);
    if (!this.#connection.dead) return this.#connection;
    this.#restarting ??= startConnection(this.#options, this.#onChanges)
      .then((c) => {
        this.#connection = c;
        return c;
      })
      .finally(() => {
        this.#restarting = undefined;
      });
    return this.#restarting;
  }

  /** Ends the worker at once (pagehide, freeze): its OPFS handles go with it. */
  terminate(reason: string): void {
    this.#stopped = true;
    this.#connection.terminate(reason);
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.#connection.close();
  }
}

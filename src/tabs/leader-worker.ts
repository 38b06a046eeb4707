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

/** Other tabs, whose calls the worker answers itself (see FollowerService). */
export interface Followers {
  /** This client's id, the leader the followers send to. */
  leaderId: string;
  /** The worker stopped on its own: calls sent to it meanwhile are lost until followers resend. */
  onWorkerLost(): void;
}

async function startConnection(
  options: StartOptions,
  onChanges: (changes: readonly Change[]) => void,
  onDeath: () => void,
  followers: Followers | undefined,
): Promise<WorkerConnection> {
  // The caller holds the store's lock, so "busy" can only be a dead leader's OPFS handles that the
  // browser has not released yet: the worker waits for them.
  const connection = await WorkerConnection.start(options, onDeath, BUSY_RETRY_LIMIT_MS);
  connection.subscribe(onChanges);
  try {
    if (followers) await connection.serveFollowers(options.name, followers.leaderId);
  } catch (error) {
    connection.terminate('the worker could not serve the other tabs');
    throw error;
  }
  return connection;
}

export class LeaderWorker {
  readonly opened: WorkerOpened;
  readonly #options: StartOptions;
  readonly #onChanges: (changes: readonly Change[]) => void;
  readonly #followers: Followers | undefined;
  #connection: WorkerConnection;
  #restarting: Promise<WorkerConnection> | undefined;
  #stopped = false;

  private constructor(
    options: StartOptions,
    onChanges: (changes: readonly Change[]) => void,
    followers: Followers | undefined,
    first: WorkerConnection,
  ) {
    this.#options = options;
    this.#onChanges = onChanges;
    this.#followers = followers;
    this.#connection = first;
    this.opened = first.opened;
  }

  /** Starts the worker; with `followers`, it answers other tabs' calls and tells them changes. */
  static async start(
    options: StartOptions,
    onChanges: (changes: readonly Change[]) => void,
    followers?: Followers,
  ): Promise<LeaderWorker> {
    let leader: LeaderWorker | undefined;
    const onDeath = () => {
      if (leader) leader.#lost();
    };
    const first = await startConnection(options, onChanges, onDeath, followers);
    leader = new LeaderWorker(options, onChanges, followers, first);
    return leader;
  }

  /** Whether the worker is up and answering other tabs itself. */
  get serving(): boolean {
    return this.#followers !== undefined && !this.#connection.dead && this.#restarting === undefined;
  }

  #lost(): void {
    if (!this.#stopped) this.#followers?.onWorkerLost();
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
    this.#restarting ??= startConnection(this.#options, this.#onChanges, () => this.#lost(), this.#followers)
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

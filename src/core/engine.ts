/**
 * The engine: one SQLite database, one queue of calls. Calls run one at a time in arrival order,
 * so a write's transaction, its durability step (for journaled backends) and the delivery of its
 * changes finish before the next call starts: a call that resolved has committed, and listeners
 * hear changes in commit order.
 */
import type { StorageDriver } from '../backends/driver.js';
import { Database } from './database.js';
import { ThreadkeepError, toThreadkeepError } from './errors.js';
import { hasPending, indexPending } from './indexer.js';
import { assertSchemaKnown, migrate, SCHEMA_VERSION, storedSchemaVersion } from './schema.js';
import type { Backend, Change, Durability, JsonValue, RecoveryReport } from './types.js';

/** What a write operation sees: the database inside its transaction, and where to report changes. */
export interface WriteContext {
  readonly db: Database;
  /** One clock reading per call, so every row a call touches carries the same time. */
  readonly now: number;
  readonly changes: Change[];
  /** Set when the call queued events for full-text indexing. */
  indexQueued: boolean;
}

/**
 * How a write's result is recorded with its call id, and rebuilt when the call is retried. The
 * default keeps the result itself; writes that return events keep only their ids (a streamed
 * reply's 500 patches would otherwise store 500 growing copies of its text).
 */
export interface Replay<T> {
  record(result: T): JsonValue;
  answer(db: Database, recorded: JsonValue): T;
}

const JSON_REPLAY: Replay<unknown> = {
  record: (result) => (result ?? null) as JsonValue,
  answer: (_db, recorded) => recorded,
};

export interface EngineOptions {
  name: string;
  durability: Durability;
  /** What the recovery that preceded this open did (openStore's `recover: true`). */
  recovery?: RecoveryReport;
}

/*
 * Background indexing: the first slice waits INDEX_DELAY_MS, so that a burst of appends is indexed
 * together; while a backlog remains (a bulk import) slices follow each other at once, each sized to
 * take about INDEX_SLICE_BUDGET_MS from the pace of the last one, so a call that arrives waits at
 * most about that long behind one. Bigger slices index faster (FTS5 merges segments at each
 * commit; measured in Node, 100 000 events: slices of 256 4.4 s, of 2 048 2.8 s), which is why a
 * search that needs the whole backlog drains it in slices of SEARCH_DRAIN_SLICE.
 */
const INDEX_DELAY_MS = 25;
const INDEX_SLICE_BUDGET_MS = 12;
const INDEX_SLICE_MIN = 64;
const INDEX_SLICE_MAX = 4096;
const SEARCH_DRAIN_SLICE = 4096;
const MAINTAIN_DELAY_MS = 2000;
const MAINTAIN_MAX_WAIT_MS = 10_000;
const APPLIED_CALLS_TTL_MS = 24 * 3600 * 1000;

const FIND_APPLIED_CALL = 'SELECT result FROM applied_calls WHERE call_id = ?';
const RECORD_APPLIED_CALL = 'INSERT INTO applied_calls (call_id, result, applied_at) VALUES (?, ?, ?)';
const PRUNE_APPLIED_CALLS = 'DELETE FROM applied_calls WHERE applied_at < ?';

function timer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const handle = setTimeout(fn, ms);
  // In Node a pending index pass must not keep the process alive.
  (handle as { unref?: () => void }).unref?.();
  return handle;
}

export class Engine {
  readonly name: string;
  readonly durability: Durability;
  readonly backend: Backend;
  readonly db: Database;
  readonly recovery: RecoveryReport | null;
  readonly #driver: StorageDriver;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;
  #indexTimer: ReturnType<typeof setTimeout> | undefined;
  #maintainTimer: ReturnType<typeof setTimeout> | undefined;
  #lastMaintained = Date.now();
  readonly #listeners = new Set<(changes: readonly Change[]) => void>();

  private constructor(driver: StorageDriver, options: EngineOptions) {
    this.name = options.name;
    this.durability = options.durability;
    this.backend = driver.backend;
    this.#driver = driver;
    this.db = new Database(driver.sqlite3, driver.db);
    this.recovery = options.recovery ?? null;
  }

  /** Checks the schema version, configures the backend, applies migrations. */
  static async open(driver: StorageDriver, options: EngineOptions): Promise<Engine> {
    const engine = new Engine(driver, options);
    try {
      const version = storedSchemaVersion(engine.db);
      assertSchemaKnown(version, options.name);
      driver.configure?.(options.durability);
      engine.db.exec('PRAGMA temp_store = MEMORY');
      if (version < SCHEMA_VERSION) {
        migrate(engine.db, version);
        await driver.persist?.();
      }
      if (hasPending(engine.db)) engine.#scheduleIndexing();
    } catch (error) {
      engine.db.close();
      await driver.close().catch(() => {});
      throw toThreadkeepError(error, `opening store "${options.name}"`, options.name);
    }
    return engine;
  }

  /**
   * The first problem `PRAGMA quick_check` finds, or undefined when the database is sound. It
   * reads every page and walks every b-tree, and (SQLite ≥ 3.44) runs FTS5's own check of the
   * full-text index, whose damage leaves every page well-formed. Damage that no open touches
   * shows here, before a call trips over it. Call it before any other call.
   */
  integrityProblem(): string | undefined {
    try {
      const findings = this.db.column('PRAGMA quick_check(8)').map(String);
      if (findings.length === 1 && findings[0] === 'ok') return undefined;
      // One finding per line, many per damaged page: the first few say what and where.
      const lines = findings
        .join('\n')
        .split('\n')
        .filter((line) => !line.startsWith('***'));
      return lines.slice(0, 3).join('; ') + (lines.length > 3 ? '; …' : '');
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  #enqueue<T>(job: () => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new ThreadkeepError('CLOSED', `store "${this.name}" is closed`);
      return job();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** A read; sees every write that resolved before it was called. */
  read<T>(label: string, fn: (db: Database) => T): Promise<T> {
    return this.#enqueue(() => {
      try {
        return fn(this.db);
      } catch (error) {
        throw toThreadkeepError(error, label, this.name);
      }
    });
  }

  /**
   * A write: `fn` runs in one transaction, then the backend makes it durable, then listeners hear
   * its changes. With `callId`, a call already applied (by this or an earlier leader) answers with
   * its recorded result instead of running again.
   */
  write<T>(label: string, fn: (ctx: WriteContext) => T, callId?: string, replay?: Replay<T>): Promise<T> {
    return this.#enqueue(() => this.#runWrite(label, fn, callId, replay));
  }

  /** An async job that holds the queue for its whole run (import); it manages its own writes. */
  exclusive<T>(fn: (engine: ExclusiveAccess) => Promise<T>): Promise<T> {
    return this.#enqueue(() =>
      fn({
        write: (label, writeFn) => this.#runWrite(label, writeFn, undefined),
        db: this.db,
      }),
    );
  }

  async #runWrite<T>(
    label: string,
    fn: (ctx: WriteContext) => T,
    callId: string | undefined,
    replay: Replay<T> = JSON_REPLAY as Replay<T>,
  ): Promise<T> {
    const ctx: WriteContext = { db: this.db, now: Date.now(), changes: [], indexQueued: false };
    let result: T;
    try {
      result = this.db.transaction(() => {
        if (callId !== undefined) {
          const applied = this.db.value(FIND_APPLIED_CALL, [callId]);
          if (typeof applied === 'string') return replay.answer(this.db, JSON.parse(applied) as JsonValue);
        }
        const value = fn(ctx);
        if (callId !== undefined) {
          this.db.run(RECORD_APPLIED_CALL, [callId, JSON.stringify(replay.record(value) ?? null), ctx.now]);
        }
        return value;
      });
    } catch (error) {
      throw toThreadkeepError(this.#driver.writeFailed?.(error) ?? error, label, this.name);
    }
    if (this.#driver.persist) {
      try {
        await this.#driver.persist();
      } catch (error) {
        this.#driver.revert?.();
        throw toThreadkeepError(error, label, this.name);
      }
    }
    if (ctx.changes.length > 0) this.#emit(ctx.changes);
    if (ctx.indexQueued) this.#scheduleIndexing();
    this.#scheduleMaintenance();
    return result;
  }

  #emit(changes: readonly Change[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(changes);
      } catch (error) {
        // A listener's bug must not undo or delay a committed write; report it and go on.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Hears every committed call's changes, in commit order. */
  onChanges(listener: (changes: readonly Change[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #indexSlice = 256;

  #scheduleIndexing(delay = INDEX_DELAY_MS): void {
    if (this.#indexTimer !== undefined || this.#closed) return;
    this.#indexTimer = timer(() => {
      this.#indexTimer = undefined;
      this.#enqueue(async () => {
        const started = performance.now();
        const slice = this.#indexSlice;
        const indexed = await this.#runWrite(
          'indexing events',
          ({ db }) => indexPending(db, slice),
          undefined,
        );
        if (indexed < slice) return;
        const perEvent = Math.max(1e-3, (performance.now() - started) / indexed);
        this.#indexSlice = Math.round(
          Math.min(INDEX_SLICE_MAX, Math.max(INDEX_SLICE_MIN, INDEX_SLICE_BUDGET_MS / perEvent)),
        );
        this.#scheduleIndexing(0);
      }).catch(() => {
        // A failed slice stays queued in the database; the next write or search retries it.
      });
    }, delay);
  }

  /** Indexes every pending event, so a search sees every committed write. Runs inside the queue. */
  async drainIndex(): Promise<void> {
    while (hasPending(this.db)) {
      await this.#runWrite('indexing events', ({ db }) => indexPending(db, SEARCH_DRAIN_SLICE), undefined);
    }
  }

  /** A read that first brings the full-text index up to date. */
  search<T>(label: string, fn: (db: Database) => T): Promise<T> {
    return this.#enqueue(async () => {
      try {
        await this.drainIndex();
      } catch (error) {
        if (!(error instanceof ThreadkeepError && error.code === 'QUOTA_EXCEEDED')) throw error;
        // A full origin cannot store the index, yet a search must see every committed event:
        // index them inside a transaction that is rolled back once the search has run.
        return this.#searchWithoutStoringIndex(label, fn);
      }
      try {
        return fn(this.db);
      } catch (error) {
        throw toThreadkeepError(error, label, this.name);
      }
    });
  }

  #searchWithoutStoringIndex<T>(label: string, fn: (db: Database) => T): T {
    try {
      this.db.exec('BEGIN');
      try {
        while (hasPending(this.db)) indexPending(this.db, SEARCH_DRAIN_SLICE);
        return fn(this.db);
      } finally {
        this.db.exec('ROLLBACK');
      }
    } catch (error) {
      throw toThreadkeepError(error, label, this.name);
    }
  }

  /**
   * Maintenance (checkpoint, journal compaction) waits for a quiet moment, but a writer that never
   * pauses must not grow the WAL or the journal without bound: after MAINTAIN_MAX_WAIT_MS it runs
   * between two calls anyway.
   */
  #scheduleMaintenance(): void {
    if (this.#closed) return;
    if (this.#maintainTimer !== undefined) {
      if (Date.now() - this.#lastMaintained < MAINTAIN_MAX_WAIT_MS) clearTimeout(this.#maintainTimer);
      else return;
    }
    this.#maintainTimer = timer(() => {
      this.#maintainTimer = undefined;
      this.#lastMaintained = Date.now();
      this.#enqueue(async () => {
        this.db.run(PRUNE_APPLIED_CALLS, [Date.now() - APPLIED_CALLS_TTL_MS]);
        await this.#driver.persist?.();
        await this.#driver.maintain?.();
      }).catch(() => {});
    }, MAINTAIN_DELAY_MS);
  }

  storedBytes(): number | null {
    return this.#driver.storedBytes?.() ?? null;
  }

  /** Waits for calls already made, then closes. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const done = this.#enqueue(async () => {
      this.#closed = true;
      clearTimeout(this.#indexTimer);
      clearTimeout(this.#maintainTimer);
      this.#listeners.clear();
      this.db.close();
      await this.#driver.close();
    });
    this.#closing = done.catch((error) => {
      throw toThreadkeepError(error, `closing store "${this.name}"`);
    });
    return this.#closing;
  }
}

export interface ExclusiveAccess {
  readonly db: Database;
  write<T>(label: string, fn: (ctx: WriteContext) => T): Promise<T>;
}

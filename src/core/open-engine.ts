/**
 * Opening a store, and recovering it when asked to (`openStore({ recover: true })`). The steps of
 * a recovery are the same on every backend; only where the bytes live differs, behind
 * `DamagedStore`:
 *
 * 1. The open fails with CORRUPT, or (with `recover`) the integrity check finds damage.
 * 2. Every byte of the store is copied aside, before anything reads or writes it.
 * 3. What SQLite can still read is copied into a fresh database (salvage.ts), from the first
 *    source that shows threadkeep's schema: the damaged database as it is, then a copy with a
 *    rebuilt page 1 (damaged-image.ts).
 * 4. The fresh database takes the damaged one's place, and the store opens on it.
 */
import type { Database as OoDatabase, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { StorageDriver } from '../backends/driver.js';
import { Engine, type EngineOptions } from './engine.js';
import { corruptGuidance, ThreadkeepError, toThreadkeepError } from './errors.js';
import { hasStoreSchema, type SalvageOutcome, salvage } from './salvage.js';
import type { Backend, RecoveryReport } from './types.js';

/** One way to read the damaged database; `open` may throw when this way does not work at all. */
export interface SalvageSource {
  label: string;
  open(): OoDatabase | Promise<OoDatabase>;
}

/** A damaged store, seen by the backend that keeps it. */
export interface DamagedStore {
  /** Page size for the new database (undefined: SQLite's default). */
  readonly pageSize: number | undefined;
  /** Copies every byte of the store aside; returns where the copy is, in words a user can act on. */
  keepAside(at: number): Promise<string>;
  /** Ways to read the damaged database, best first, and what the backend itself could not read. */
  sources(): Promise<{ sources: SalvageSource[]; unreadable: string[] }>;
  /** Puts `image`, a database file of the current schema, in place of the damaged database. */
  replace(image: Uint8Array): Promise<void>;
  /** Releases what the recovery held (pools, connections). */
  close(): Promise<void>;
}

export interface OpenEngineOptions extends EngineOptions {
  recover: boolean;
}

function closeQuietly(db: OoDatabase): void {
  try {
    db.close();
  } catch {
    // A damaged database may fail its close-time checkpoint; its bytes were copied aside already.
  }
}

async function salvageFirstReadable(sqlite3: Sqlite3Static, damaged: DamagedStore): Promise<SalvageOutcome> {
  const { sources, unreadable } = await damaged.sources();
  const tried: string[] = [];
  for (const source of sources) {
    let db: OoDatabase;
    try {
      db = await source.open();
    } catch (error) {
      tried.push(`${source.label}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    try {
      if (!hasStoreSchema(db)) {
        tried.push(`${source.label}: its schema is unreadable`);
        continue;
      }
      const outcome = await salvage(sqlite3, db, damaged.pageSize);
      if (tried.length > 0) unreadable.push(`read from ${source.label}, since ${tried.join('; ')}`);
      return { ...outcome, unreadable: [...unreadable, ...outcome.unreadable] };
    } finally {
      closeQuietly(db);
    }
  }
  // Nothing readable: the store starts empty, and the damaged copy keeps every byte.
  const empty = await salvage(sqlite3, undefined, damaged.pageSize);
  return { ...empty, unreadable: [...unreadable, `nothing could be read (${tried.join('; ')})`] };
}

async function recover(
  sqlite3: Sqlite3Static,
  damaged: DamagedStore,
  reason: string,
): Promise<RecoveryReport> {
  try {
    const at = Date.now();
    const damagedCopy = await damaged.keepAside(at);
    const outcome = await salvageFirstReadable(sqlite3, damaged);
    await damaged.replace(outcome.image);
    const { recovered, lost, unreadable } = outcome;
    return { at, reason, damagedCopy, recovered, lost, unreadable };
  } finally {
    await damaged.close();
  }
}

/**
 * Opens the engine on the driver `openBackend` gives. With `recover`, a store that fails to open
 * with CORRUPT, or fails the integrity check, is recovered first; `damagedStore` says how to reach
 * its bytes on `backend` (undefined when the failure came before a driver was opened).
 */
export async function openEngine<T extends { driver: StorageDriver }>(
  sqlite3: Sqlite3Static,
  openBackend: () => Promise<T>,
  options: OpenEngineOptions,
  damagedStore: (backend: Backend | undefined) => DamagedStore,
): Promise<{ engine: Engine; opened: T }> {
  const { recover: wanted, ...engineOptions } = options;
  let backend: Backend | undefined;
  let reason: string;
  try {
    const opened = await openBackend();
    backend = opened.driver.backend;
    const engine = await Engine.open(opened.driver, engineOptions);
    const problem = wanted ? engine.integrityProblem() : undefined;
    if (problem === undefined) return { engine, opened };
    await engine.close();
    reason = `the integrity check found: ${problem}`;
  } catch (error) {
    const failure = toThreadkeepError(error, `opening store "${options.name}"`, options.name);
    if (!wanted || failure.code !== 'CORRUPT') throw failure;
    backend ??= (failure.details as { backend?: Backend } | undefined)?.backend;
    reason = failure.message.replace(corruptGuidance(options.name), '').trim();
  }
  if (backend === 'memory') {
    throw new ThreadkeepError(
      'INTERNAL',
      `store "${options.name}" is in memory and cannot be damaged: ${reason}`,
    );
  }
  let recovery: RecoveryReport;
  try {
    recovery = await recover(sqlite3, damagedStore(backend), reason);
  } catch (error) {
    const failure = toThreadkeepError(error, `recovering store "${options.name}"`);
    throw new ThreadkeepError(
      failure.code === 'CORRUPT' ? 'INTERNAL' : failure.code,
      `store "${options.name}" is damaged (${reason}) and recovering it failed: ${failure.message}`,
      { store: options.name },
      { cause: error },
    );
  }
  const opened = await openBackend();
  const engine = await Engine.open(opened.driver, { ...engineOptions, recovery });
  return { engine, opened };
}

import type { Database, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { describeValue, ThreadkeepError, toThreadkeepError } from '../../core/errors.js';
import type { KeyValueStorage } from '../../core/types.js';
import { BLOCK_SIZE } from './block-file.js';
import { compactJournal, type JournalState, journalHasGrown } from './compaction.js';
import { CHUNK_DIR, encodeRecord, JOURNAL_DIR, MANIFEST_KEY, recordKey } from './journal-format.js';
import { journalVfs, type MainFile } from './journal-vfs.js';
import { recoverStore } from './recovery.js';
import { DAMAGED_DIR } from './salvage.js';
import { ValueStore } from './value-store.js';

/**
 * An SQLite database held in memory and made durable, one commit at a time, in a key-value store.
 * The caller serialises: each write transaction runs to its COMMIT, then `commit()`, and the next
 * write transaction starts after that settled (until then SQLite reports "database is locked").
 */
export interface JournaledDatabase {
  /** The connection (on the journal VFS). */
  readonly db: Database;
  /**
   * Persists every block changed since the last durable point as ONE journal record; resolves
   * once storage acknowledged it. A no-op when nothing changed.
   */
  commit(): Promise<void>;
  /**
   * After commit() rejected (quota, I/O): puts every changed block back to its pre-image so the
   * in-memory database equals the last durable state again, and SQLite's page cache no longer
   * shows the failed transaction. Throws when an SQLite statement still holds a lock.
   */
  rollback(): void;
  /**
   * Background work, safe to call any time between transactions: folds journal records into chunk
   * snapshots when the journal has grown (> 4 MiB or > 1000 records), or always with `force`;
   * cost proportional to what changed, never to the database size.
   */
  compact(options?: { force?: boolean }): Promise<void>;
  /** Bytes the store occupies in storage (for info()). */
  storedBytes(): number;
  /** Waits for a running commit or compaction, then closes `db` and releases the VFS file; idempotent. */
  close(): Promise<void>;
}

export interface JournalOptions {
  /** Every key of the store starts with this; it must not be a prefix of another store's prefix. */
  prefix: string;
  /** The largest value `storage` accepts (Deno KV: 65536); larger values are split into parts. */
  maxValueBytes?: number;
}

const MIN_VALUE_BYTES = 1024;
const openHere = new WeakMap<KeyValueStorage, Set<string>>();
let opened = 0;

/**
 * Opens the store under `options.prefix` (creating it when no key has that prefix), rebuilding
 * the database as of its last acknowledged commit. Rejects with CORRUPT, touching nothing, when
 * the keys there are not a valid journal.
 */
export async function openJournaledDatabase(
  sqlite3: Sqlite3Static,
  storage: KeyValueStorage,
  options: JournalOptions,
): Promise<JournaledDatabase> {
  const { prefix, maxValueBytes = Number.POSITIVE_INFINITY } = options;
  if (typeof prefix !== 'string')
    throw new ThreadkeepError(
      'INVALID_ARGUMENT',
      `prefix ${describeValue(prefix)} is invalid: it must be a string`,
    );
  if (
    !(maxValueBytes >= MIN_VALUE_BYTES) ||
    !(Number.isInteger(maxValueBytes) || maxValueBytes === Number.POSITIVE_INFINITY)
  ) {
    throw new ThreadkeepError(
      'INVALID_ARGUMENT',
      `maxValueBytes ${describeValue(maxValueBytes)} is invalid: it must be an integer of at least ${MIN_VALUE_BYTES}`,
    );
  }
  // Two in-memory copies writing one journal would interleave their records and ruin it. This
  // catches a second open in this JS realm; across tabs or processes, the caller must hold a lock.
  const here = openHere.get(storage) ?? new Set<string>();
  openHere.set(storage, here);
  if (here.has(prefix)) {
    throw new ThreadkeepError(
      'BACKEND_UNAVAILABLE',
      `the journaled store under key prefix ${JSON.stringify(prefix)} is already open here; close it first`,
      { prefix },
    );
  }
  here.add(prefix);
  const release = () => here.delete(prefix);
  try {
    const values = new ValueStore(storage, prefix, maxValueBytes);
    const recovered = await recoverStore(values, prefix);
    const state = { values, lastGeneration: recovered.manifest.generation, ...recovered };
    return new Journaled(sqlite3, state, release);
  } catch (error) {
    release();
    throw toThreadkeepError(error, `opening the journaled store under key prefix ${JSON.stringify(prefix)}`);
  }
}

/** Removes every key of the store under `prefix`, damaged copies included (the manifest first, so a half-deleted store can never pass for a valid one). */
export async function deleteJournaled(storage: KeyValueStorage, prefix: string): Promise<void> {
  try {
    const ours = (keys: string[], sub: string) => keys.filter((key) => key.startsWith(prefix + sub));
    if ((await storage.list(prefix + MANIFEST_KEY)).includes(prefix + MANIFEST_KEY))
      await storage.delete(prefix + MANIFEST_KEY);
    const keys = [
      ...ours(await storage.list(prefix + JOURNAL_DIR), JOURNAL_DIR),
      ...ours(await storage.list(prefix + CHUNK_DIR), CHUNK_DIR),
      // Copies that openStore({ recover: true }) kept of the store's damaged values.
      ...ours(await storage.list(prefix + DAMAGED_DIR), DAMAGED_DIR),
    ];
    await Promise.all(keys.map((key) => storage.delete(key)));
  } catch (error) {
    throw toThreadkeepError(error, `deleting the journaled store under key prefix ${JSON.stringify(prefix)}`);
  }
}

class Journaled implements JournaledDatabase {
  readonly db: Database;
  readonly #sqlite3: Sqlite3Static;
  readonly #state: JournalState;
  readonly #main: MainFile;
  readonly #path: string;
  #committing: Promise<void> | undefined;
  #compacting: Promise<void> | undefined;
  /** The last commit failed: SQLite shows changes that are not durable until rollback(). */
  #mustRollback = false;
  /** A record that was being stored when its commit failed; it may have landed and must go. */
  #staleSeq: number | undefined;
  #closed = false;
  readonly #release: () => void;

  constructor(sqlite3: Sqlite3Static, state: JournalState, release: () => void) {
    this.#sqlite3 = sqlite3;
    this.#state = state;
    this.#release = release;
    this.#main = {
      file: state.file,
      writeBlocked: () => this.#committing !== undefined || this.#mustRollback,
      lock: sqlite3.capi.SQLITE_LOCK_NONE,
    };
    const vfs = journalVfs(sqlite3);
    this.#path = `/threadkeep-journal-${++opened}.db`;
    vfs.attach(this.#path, this.#main);
    try {
      this.db = new sqlite3.oo1.DB(this.#path, 'w', vfs.name);
      // MEMORY: the rollback journal never reaches the VFS; a crash loses memory anyway and the
      // durable copy is the last record. NORMAL locking: the lock drops between transactions,
      // so SQLite re-reads page 1's change counter and sees when rollback() restored pre-images.
      this.db.exec(
        'PRAGMA journal_mode=MEMORY; PRAGMA locking_mode=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA synchronous=OFF',
      );
      // This build defaults to 8192-byte pages; one page per block keeps a small change small.
      if (state.file.size === 0) this.db.exec(`PRAGMA page_size=${BLOCK_SIZE}`);
    } catch (error) {
      vfs.detach(this.#path);
      throw toThreadkeepError(error, 'opening the journaled database');
    }
  }

  // The checks and the #committing assignment run synchronously, before the first await.
  async commit(): Promise<void> {
    this.#assertOpen('commit');
    if (this.#committing) throw this.#misuse('commit() was called while another commit() is running');
    if (this.#mustRollback)
      throw this.#misuse('the last commit() failed; call rollback() before committing again');
    if (this.#inTransaction()) throw this.#misuse('commit() was called inside an open SQLite transaction');
    const { file } = this.#state;
    if (!file.dirty) return;
    const changed = file.changedBlocks();
    if (changed.length === 0 && file.size === file.durableSize) {
      file.markDurable(); // only blocks rewritten with what they held: nothing to store
      return;
    }
    this.#committing = this.#store(changed).finally(() => {
      this.#committing = undefined;
    });
    await this.#committing;
  }

  async #store(changed: number[]): Promise<void> {
    const { file, values } = this.#state;
    const seq = this.#state.lastSeq + 1;
    const payload = encodeRecord({
      seq,
      dbSize: file.size,
      blocks: changed.map((index) => [index, file.block(index)]),
    });
    const key = recordKey(seq);
    try {
      if (this.#staleSeq === seq) await values.delete(key);
      this.#staleSeq = undefined;
      await values.write(key, payload);
    } catch (error) {
      this.#mustRollback = true;
      this.#staleSeq = seq;
      // The write may have landed although it rejected; left there, it would replay a reverted transaction.
      await values.delete(key).then(
        () => {
          this.#staleSeq = undefined;
        },
        () => {},
      );
      throw toThreadkeepError(error, 'storing a committed transaction');
    }
    file.markDurable();
    this.#state.lastSeq = seq;
    this.#state.records.push({
      seq,
      bytes: payload.length,
      chunks: new Set(changed.map((i) => Math.floor(i / this.#state.manifest.chunkBlocks))),
    });
  }

  rollback(): void {
    this.#assertOpen('rollback');
    if (this.#committing) throw this.#misuse('rollback() was called while commit() is running');
    if (this.#inTransaction() || this.#main.lock !== this.#sqlite3.capi.SQLITE_LOCK_NONE) {
      // SQLite checks the change counter only when it takes its first lock; with a statement still
      // holding one, it would keep serving the reverted pages from its cache.
      throw this.#misuse('rollback() was called while an SQLite statement or transaction is still open');
    }
    this.#state.file.revert();
    this.#mustRollback = false;
  }

  async compact(options?: { force?: boolean }): Promise<void> {
    this.#assertOpen('compact');
    if (this.#compacting) return this.#compacting;
    if (!options?.force && !journalHasGrown(this.#state)) return;
    this.#compacting = compactJournal(this.#state)
      .catch((error: unknown) => {
        throw toThreadkeepError(error, 'compacting the journal');
      })
      .finally(() => {
        this.#compacting = undefined;
      });
    return this.#compacting;
  }

  storedBytes(): number {
    return this.#state.values.bytes;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.#committing, this.#compacting]);
    try {
      this.db.close();
    } finally {
      journalVfs(this.#sqlite3).detach(this.#path);
      this.#release();
    }
  }

  #inTransaction(): boolean {
    const pointer = this.db.pointer;
    return pointer !== undefined && this.#sqlite3.capi.sqlite3_get_autocommit(pointer) === 0;
  }

  #assertOpen(what: string): void {
    if (this.#closed)
      throw new ThreadkeepError('CLOSED', `${what}() was called after the journaled database was closed`);
  }

  #misuse(message: string): ThreadkeepError {
    return new ThreadkeepError('INTERNAL', message);
  }
}

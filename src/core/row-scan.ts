/**
 * Reading a rowid table of a damaged database: every row SQLite can still read, in key order,
 * stepping over what it cannot. SQLite's recovery extension (`sqlite3_recover`) is not in the
 * WebAssembly build, so this works through plain queries. A seek into the key range of a damaged
 * leaf page fails or yields rows that do not hold what threadkeep writes, while a seek past that
 * range works again: after a failure the scan probes for the nearest key it can read from, and
 * reports the range in between. A damaged page can hand out garbage keys, so only rows the
 * caller accepts move the scan forward.
 */
import type { Database as OoDatabase, PreparedStatement, SqlValue } from '@sqlite.org/sqlite-wasm';

export type ScannedRow = Record<string, SqlValue>;

/** A bound on restarts, so even a file damaged in every page ends the scan. */
const MAX_ROUNDS = 100_000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `sql` bound to `after`, handing each row to `visit` until it returns 'stop'; returns the
 * error that ended the statement, if any.
 */
function stepAll(
  db: OoDatabase,
  sql: string,
  after: number,
  visit: (row: ScannedRow) => 'next' | 'stop',
): string | undefined {
  let stmt: PreparedStatement | undefined;
  try {
    stmt = db.prepare(sql);
    stmt.bind([after]);
    while (stmt.step()) if (visit(stmt.get({}) as ScannedRow) === 'stop') break;
    return undefined;
  } catch (error) {
    return errorText(error);
  } finally {
    try {
      stmt?.finalize();
    } catch {
      // finalize reports the statement's last error again; it was already handled.
    }
  }
}

/**
 * Gives `accept` every readable row of `table` (which has an INTEGER PRIMARY KEY named `key`) in
 * key order. `accept` takes a row that holds what threadkeep writes and returns undefined, or
 * returns why it does not; each row or key range that could not be read goes to `skipped`.
 */
export function scanRowTable(
  db: OoDatabase,
  table: string,
  columns: string,
  accept: (row: ScannedRow) => string | undefined,
  skipped: (what: string) => void,
): void {
  const sql = `SELECT ${columns} FROM ${table} WHERE key > ? ORDER BY key`;
  const keyOf = (row: ScannedRow) => Number(row.key);
  // A probe may meet a sound row first; it is taken then, and never asked about again.
  const taken = new Set<number>();
  let lastReason: string | undefined;
  const sound = (row: ScannedRow, above: number): boolean => {
    const key = keyOf(row);
    if (!(key > above)) {
      lastReason = `key ${String(row.key)} is out of order`;
      return false;
    }
    if (taken.has(key)) return true;
    const reason = accept(row);
    if (reason !== undefined) {
      lastReason = reason;
      return false;
    }
    taken.add(key);
    return true;
  };
  /** Whether reading from just above `from` works: its first row is sound, or there is none. */
  const readableFrom = (from: number): boolean => {
    let ok = true;
    const error = stepAll(db, `${sql} LIMIT 1`, from, (row) => {
      ok = sound(row, from);
      return 'stop';
    });
    return error === undefined && ok;
  };

  // threadkeep's keys are assigned by SQLite from 1 up, so starting above 0 misses none.
  let after = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let rejected = false;
    const error = stepAll(db, sql, after, (row) => {
      if (sound(row, after)) {
        after = keyOf(row);
        return 'next';
      }
      rejected = true;
      return 'stop';
    });
    if (error === undefined && !rejected) return;
    const what = error ?? lastReason ?? 'unreadable';
    // Probe above `after + d` for d = 1, 2, 4, … until a read works, then halve back to the
    // smallest such d: a damaged page covers one contiguous range of keys.
    let bad = 0;
    let good = 1;
    while (!readableFrom(after + good)) {
      bad = good;
      good *= 2;
      if (after + good > Number.MAX_SAFE_INTEGER) {
        skipped(`${table} rows with keys from ${after + 1} on: ${what}`);
        return;
      }
    }
    while (good - bad > 1) {
      const mid = bad + Math.floor((good - bad) / 2);
      if (readableFrom(after + mid)) good = mid;
      else bad = mid;
    }
    skipped(
      good === 1
        ? `${table} row with key ${after + 1}: ${what}`
        : `${table} rows with keys from ${after + 1} to ${after + good}: ${what}`,
    );
    after += good;
  }
  skipped(`${table}: the scan stopped after ${MAX_ROUNDS} unreadable ranges`);
}

/** Every row `sql` yields until the first error; the error, if any, goes to `skipped`. */
export function readUntilError(
  db: OoDatabase,
  sql: string,
  visit: (row: ScannedRow) => void,
  skipped: (what: string) => void,
  what: string,
): void {
  let stmt: PreparedStatement | undefined;
  try {
    stmt = db.prepare(sql);
    while (stmt.step()) visit(stmt.get({}) as ScannedRow);
  } catch (error) {
    skipped(`${what}: ${errorText(error)}`);
  } finally {
    try {
      stmt?.finalize();
    } catch {
      // Already reported.
    }
  }
}

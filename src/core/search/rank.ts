/**
 * BM25 ranking as an FTS5 auxiliary function written in JS, `threadkeep_bm25(fts, minKey, maxKey)`.
 *
 * Why not FTS5's own bm25(): it computes each phrase's document frequency by walking the phrase's
 * whole doclist on every query (xQueryPhrase over every matching row), however few rows are
 * ranked. Measured over 1 000 000 events: ~49 ms for a word in a quarter of them, ~130 ms for a
 * short prefix, against ~1.6 ms to find the 4 096 candidates that are ranked. This function uses
 * the same formula (k1 = 1.2, b = 0.75, FTS5's IDF floor) but counts a phrase's documents only up
 * to DF_EXACT_UP_TO: past that it estimates the count from where the DF_EXACT_UP_TO-th oldest
 * match lies in the key range (matches assumed spread evenly over it). The IDF of a phrase in
 * fewer documents is exact; for a common one the estimate's error is damped by the logarithm,
 * and for a one-phrase query the IDF does not change the order at all.
 *
 * FTS5's C API is reached through the wasm function table: the fts5_api pointer from
 * `SELECT fts5(?)`, its xCreateFunction, and the Fts5ExtensionApi's members by their offsets in
 * fts5.h. Where JS functions cannot be added to the table (a runtime that forbids compiling
 * WebAssembly after start-up), `installRanking` returns false and search uses bm25().
 */
import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { Database } from '../database.js';

export const RANK_FUNCTION = 'threadkeep_bm25';

const K1 = 1.2;
const B = 0.75;
/** Documents of a phrase counted exactly; past this the count is estimated. */
const DF_EXACT_UP_TO = 1024;
const SQLITE_OK = 0;
const SQLITE_DONE = 101;

/** Byte offsets of the members of struct Fts5ExtensionApi (fts5.h) in 32-bit wasm. */
const API = {
  xRowCount: 12,
  xColumnTotalSize: 16,
  xPhraseCount: 24,
  xInstCount: 32,
  xInst: 36,
  xRowid: 40,
  xColumnSize: 48,
  xQueryPhrase: 52,
  xSetAuxdata: 56,
  xGetAuxdata: 60,
} as const;
/** Offset of xCreateFunction in struct fts5_api. */
const API_CREATE_FUNCTION = 12;

type Fn = (...args: number[]) => number;
type RowidFn = (context: number) => bigint;

interface Members {
  xRowCount: Fn;
  xColumnTotalSize: Fn;
  xPhraseCount: Fn;
  xInstCount: Fn;
  xInst: Fn;
  xRowid: RowidFn;
  xColumnSize: Fn;
  xQueryPhrase: Fn;
  xSetAuxdata: Fn;
  xGetAuxdata: Fn;
}

/** What one query needs for every row it ranks, computed at its first row. */
interface QueryStats {
  idf: Float64Array;
  averageLength: number;
  tf: Float64Array;
}

interface Installed {
  rank: number;
  destroyStats: number;
}

/** What the ranking of the last query that ranked a row needs from its caller; see takeRankedQuery. */
export interface RankedQuery {
  /** Rows in the index. */
  rows: number;
  /**
   * The query has one phrase, and its scores are without that phrase's IDF, a factor common to
   * every row that does not change their order: the caller multiplies it in, from a count it has
   * (`inverseDocumentFrequency`). Counting the phrase's documents here would cost a second walk
   * of its doclist, and for a prefix FTS5's prefix index does not cover (4 characters or more),
   * building that doclist again: ~20 ms for a word in a quarter of 1 000 000 events.
   */
  idfDeferred: boolean;
}

let lastQuery: RankedQuery | null = null;

/** The RankedQuery of the last statement that ranked a row, once; null when none did since. */
export function takeRankedQuery(): RankedQuery | null {
  const query = lastQuery;
  lastQuery = null;
  return query;
}

/** BM25's IDF as FTS5 computes it, floored at 1e-6 for a phrase in over half the rows. */
export function inverseDocumentFrequency(documents: number, rows: number): number {
  const value = Math.log((rows - documents + 0.5) / (documents + 0.5));
  return value <= 0 ? 1e-6 : value;
}

const installed = new WeakMap<Sqlite3Static, Installed | null>();
const registered = new WeakMap<Database, boolean>();

/**
 * Whether `threadkeep_bm25` is there for this database, registering it on first use; false where
 * it cannot be (search then ranks with FTS5's bm25()).
 */
export function hasRanking(db: Database): boolean {
  let has = registered.get(db);
  if (has === undefined) {
    try {
      has = register(db);
    } catch {
      has = false;
    }
    registered.set(db, has);
  }
  return has;
}

function register(db: Database): boolean {
  const { sqlite3 } = db;
  const functions = functionsOf(sqlite3);
  if (functions === null) return false;
  const { wasm, capi } = sqlite3;
  const slot = wasm.alloc(8);
  try {
    wasm.poke32(slot, 0);
    const stmt = db.raw.prepare('SELECT fts5(?1)');
    try {
      capi.sqlite3_bind_pointer(stmt.pointer!, 1, slot, 'fts5_api_ptr', 0);
      stmt.step();
    } finally {
      stmt.finalize();
    }
    const api = wasm.peek32(slot);
    if (api === 0) return false;
    const createFunction = wasm.functionEntry(wasm.peek32(api + API_CREATE_FUNCTION)) as Fn;
    const name = wasm.allocCString(RANK_FUNCTION, false);
    try {
      return createFunction(api, name, 0, functions.rank, 0) === SQLITE_OK;
    } finally {
      wasm.dealloc(name);
    }
  } finally {
    wasm.dealloc(slot);
  }
}

/**
 * Adds the ranking function's entries to SQLite's wasm table now, for a runtime that compiles
 * WebAssembly only at start-up (workerd); elsewhere the first search does it. True when done.
 */
export function prepareRanking(sqlite3: Sqlite3Static): boolean {
  return functionsOf(sqlite3) !== null;
}

/** The table entries of the ranking function, added once per SQLite instance. */
function functionsOf(sqlite3: Sqlite3Static): Installed | null {
  let entry = installed.get(sqlite3);
  if (entry !== undefined) return entry;
  entry = null;
  try {
    // The member offsets below are those of 32-bit wasm (sqlite-wasm's 64-bit build has others).
    if ((sqlite3.wasm as unknown as { ptr?: { size?: number } }).ptr?.size === 4) entry = install(sqlite3);
  } catch {
    entry = null;
  }
  installed.set(sqlite3, entry);
  return entry;
}

function install(sqlite3: Sqlite3Static): Installed {
  const { wasm, capi } = sqlite3;
  const statsById = new Map<number, QueryStats>();
  let nextId = 1;
  let members: Members | undefined;
  let membersOf = 0;
  // Out-parameters of the API calls: three ints and an int64.
  const out = wasm.alloc(24);
  const i64 = () => Number(wasm.peek64(out + 16));
  const resultDouble = (wasm.exports as unknown as { sqlite3_result_double: (c: number, v: number) => void })
    .sqlite3_result_double;

  // Counting a phrase's documents: called by xQueryPhrase for each, oldest first.
  let counted = 0;
  let countedLastKey = 0;
  const countDocument = wasm.installFunction('i(ppp)', (_api: number, context: number) => {
    counted++;
    if (counted < DF_EXACT_UP_TO) return SQLITE_OK;
    countedLastKey = Number(members!.xRowid(context));
    return SQLITE_DONE;
  });

  const destroyStats = wasm.installFunction('v(p)', (id: number) => forget(id));

  const statsFor = (m: Members, context: number, values: number): QueryStats => {
    const phrases = m.xPhraseCount(context);
    m.xRowCount(context, out + 16);
    const rows = Math.max(1, i64());
    m.xColumnTotalSize(context, 0, out + 16);
    const averageLength = Math.max(1, i64()) / rows;
    const minKey = capi.sqlite3_value_double(wasm.peek32(values));
    const maxKey = capi.sqlite3_value_double(wasm.peek32(values + 4));
    const idf = new Float64Array(phrases);
    lastQuery = { rows, idfDeferred: phrases === 1 };
    if (phrases === 1) {
      idf[0] = 1;
      return { idf, averageLength, tf: new Float64Array(phrases) };
    }
    for (let i = 0; i < phrases; i++) {
      counted = 0;
      countedLastKey = 0;
      m.xQueryPhrase(context, i, 0, countDocument);
      let documents = counted;
      if (countedLastKey > 0 && maxKey > minKey) {
        const span = maxKey - minKey + 1;
        const upTo = Math.max(1, countedLastKey - minKey + 1);
        documents = Math.min(rows, Math.max(counted, (counted * Math.min(span, rows)) / upTo));
      }
      idf[i] = inverseDocumentFrequency(documents, rows);
    }
    return { idf, averageLength, tf: new Float64Array(phrases) };
  };

  // The query whose rows are being ranked: its Fts5Context (one per cursor) and stats. Reading
  // them back through xGetAuxdata on every row cost a call per row; the auxdata's destructor, run
  // when the cursor closes, forgets them, so a later cursor at the same address starts afresh.
  let current = 0;
  let currentStats: QueryStats | undefined;
  let currentId = 0;
  const forget = (id: number) => {
    statsById.delete(id);
    if (id === currentId) {
      current = 0;
      currentStats = undefined;
    }
  };
  // The first int out-parameter, read through a view of the heap (wasm.peek32 costs more per
  // call); a view whose memory grew is detached, with length 0, and is made again.
  let heap = wasm.heap32();
  const at = out >> 2;
  const outInt = () => {
    if (heap.length === 0) heap = wasm.heap32();
    return heap[at]!;
  };

  const rank = wasm.installFunction(
    'v(pppip)',
    (api: number, context: number, result: number, count: number, values: number) => {
      if (api !== membersOf) {
        members = readMembers(sqlite3, api);
        membersOf = api;
      }
      const m = members!;
      let stats = context === current ? currentStats : undefined;
      if (stats === undefined) {
        const id = m.xGetAuxdata(context, 0);
        stats = id === 0 ? undefined : statsById.get(id);
        if (stats === undefined) {
          if (count < 2) {
            capi.sqlite3_result_error(
              result,
              `${RANK_FUNCTION}() takes the table, its min key and max key`,
              -1,
            );
            return;
          }
          stats = statsFor(m, context, values);
          currentId = nextId++;
          statsById.set(currentId, stats);
          m.xSetAuxdata(context, currentId, destroyStats);
        }
        current = context;
        currentStats = stats;
      }
      const { tf, idf, averageLength } = stats;
      m.xInstCount(context, out);
      const instances = outInt();
      if (tf.length === 1) {
        // One phrase: its instances are its frequency, no need to ask which phrase each one is.
        tf[0] = instances;
      } else {
        tf.fill(0);
        for (let i = 0; i < instances; i++) {
          m.xInst(context, i, out, out + 4, out + 8);
          tf[outInt()]! += 1;
        }
      }
      m.xColumnSize(context, 0, out);
      const norm = K1 * (1 - B + (B * outInt()) / averageLength);
      let score = 0;
      for (let i = 0; i < tf.length; i++) {
        const f = tf[i]!;
        if (f > 0) score += (idf[i]! * f * (K1 + 1)) / (f + norm);
      }
      resultDouble(result, score);
    },
  );
  return { rank, destroyStats };
}

function readMembers(sqlite3: Sqlite3Static, api: number): Members {
  const { wasm } = sqlite3;
  const entry = (offset: number) => wasm.functionEntry(wasm.peek32(api + offset)) as Fn;
  return {
    xRowCount: entry(API.xRowCount),
    xColumnTotalSize: entry(API.xColumnTotalSize),
    xPhraseCount: entry(API.xPhraseCount),
    xInstCount: entry(API.xInstCount),
    xInst: entry(API.xInst),
    xRowid: entry(API.xRowid) as unknown as RowidFn,
    xColumnSize: entry(API.xColumnSize),
    xQueryPhrase: entry(API.xQueryPhrase),
    xSetAuxdata: entry(API.xSetAuxdata),
    xGetAuxdata: entry(API.xGetAuxdata),
  };
}

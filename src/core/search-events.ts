/** Runs a search over the FTS5 index and builds plain-text snippets for the hits. */
import type { Database, Row } from './database.js';
import { describeValue, ThreadkeepError } from './errors.js';
import { EVENT_COLUMNS, EVENTS_FROM, toEvent } from './rows.js';
import { translateFts5Query, translatePlainQuery } from './search/query.js';
import { hasRanking, inverseDocumentFrequency, RANK_FUNCTION, takeRankedQuery } from './search/rank.js';
import { makeSnippet } from './search/snippet.js';
import { eventSearchText } from './search/text.js';
import type { Role, SearchHit } from './types.js';

/*
 * Ranking. Computing BM25 for every match of a word that is in most messages costs ~5 µs a match
 * (0.5 s at 100 000 events, 10× that at a million), all of it to pick 20. So the query walks
 * FTS5's doclists newest first, with the filters applied, and scores only the CANDIDATES most
 * recent matches as it goes: exact BM25 order for any query with fewer matches, and for a word in
 * most messages the best of its most recent matches. SearchHit.score is the BM25 score, higher is
 * better. `threadkeep_bm25` (search/rank.ts) scores like FTS5's bm25() without its walk of every
 * matching row per query; where it cannot be registered, bm25() ranks (its `rank` is negated:
 * lower is better there).
 */
const CANDIDATES = 4096;

const FILTERS = `
    AND (?2 IS NULL OR e.session_key = (SELECT key FROM sessions WHERE id = ?2))
    AND (?3 IS NULL OR e.kind IN (SELECT value FROM json_each(?3)))
    AND (?4 IS NULL OR e.role IN (SELECT value FROM json_each(?4)))`;

const SCORE_CANDIDATES = `SELECT c.rowid AS key,
    ${RANK_FUNCTION}(c.event_fts, (SELECT min(key) FROM events), (SELECT max(key) FROM events)) AS score
  FROM event_fts c JOIN events e ON e.key = c.rowid
  WHERE c.event_fts MATCH ?1 ${FILTERS}
  ORDER BY c.rowid DESC LIMIT ?5`;

// Two subqueries: min() and max() in one SELECT would scan the table instead of reading each end.
/** The same without filters: no lookup of each candidate's event row (~3 ms of 4 096 at 300 000). */
const SCORE_CANDIDATES_UNFILTERED = `SELECT c.rowid AS key,
    ${RANK_FUNCTION}(c.event_fts, (SELECT min(key) FROM events), (SELECT max(key) FROM events)) AS score
  FROM event_fts c
  WHERE c.event_fts MATCH ?1
  ORDER BY c.rowid DESC LIMIT ?2`;

const KEY_RANGE = 'SELECT (SELECT min(key) FROM events) AS min, (SELECT max(key) FROM events) AS max';

const EVENTS_BY_KEY = `SELECT ${EVENT_COLUMNS} ${EVENTS_FROM}
  WHERE e.key IN (SELECT value FROM json_each(?1))`;

/** Ranking with FTS5's bm25(), where threadkeep_bm25 is missing. */
const SEARCH_BM25 = `SELECT ${EVENT_COLUMNS}, -f.rank AS score
  FROM event_fts f JOIN events e ON e.key = f.rowid JOIN sessions s ON s.key = e.session_key
  WHERE f.event_fts MATCH ?1
    AND f.rowid >= (
      SELECT min(key) FROM (
        SELECT c.rowid AS key FROM event_fts c JOIN events e ON e.key = c.rowid
        WHERE c.event_fts MATCH ?1 ${FILTERS}
        ORDER BY c.rowid DESC LIMIT ?7))
    ${FILTERS}
  ORDER BY f.rank LIMIT ?5 OFFSET ?6`;

export interface SearchQuery {
  query: string;
  syntax: 'plain' | 'fts5';
  sessionId?: string | undefined;
  kinds?: string[] | undefined;
  roles?: Role[] | undefined;
  limit: number;
  offset: number;
}

/**
 * FTS5 takes time that grows with the square of a query's terms (measured: 8 000 terms 0.8 s,
 * 32 000 terms 3.5 s, a 1 MB query many minutes, all of it blocking the engine). 'plain' keeps
 * only 256 phrases; an 'fts5' query is passed through, so its length is bounded instead.
 */
const MAX_FTS5_QUERY_LENGTH = 10_000;

/** The events of the hits, best first, each with its `score`. */
function rankedRows(db: Database, match: string, q: SearchQuery): Row[] {
  const filters = [
    q.sessionId ?? null,
    q.kinds ? JSON.stringify(q.kinds) : null,
    q.roles ? JSON.stringify(q.roles) : null,
  ];
  const candidates = Math.max(CANDIDATES, 4 * (q.offset + q.limit));
  if (!hasRanking(db)) return db.all(SEARCH_BM25, [match, ...filters, q.limit, q.offset, candidates]);
  takeRankedQuery();
  const filtered = filters.some((filter) => filter !== null);
  const scored = filtered
    ? db.all(SCORE_CANDIDATES, [match, ...filters, candidates])
    : db.all(SCORE_CANDIDATES_UNFILTERED, [match, candidates]);
  const ranked = takeRankedQuery();
  if (ranked?.idfDeferred) {
    // One phrase: its documents are the matches walked when there were fewer than `candidates`
    // and no filter; else estimated from how densely the walked matches fill the key range.
    let documents = scored.length;
    if (scored.length > 0 && (scored.length === candidates || filtered)) {
      const { min, max } = db.get(KEY_RANGE) as { min: number; max: number };
      const walked = max - (scored[scored.length - 1]!.key as number) + 1;
      documents = Math.min(ranked.rows, (scored.length * (max - min + 1)) / Math.max(1, walked));
    }
    const idf = inverseDocumentFrequency(documents, ranked.rows);
    for (const row of scored) row.score = (row.score as number) * idf;
  }
  // Best first; among equal scores the newest (the candidates come newest first, sort is stable).
  scored.sort((a, b) => (b.score as number) - (a.score as number));
  const page = scored.slice(q.offset, q.offset + q.limit);
  if (page.length === 0) return [];
  const byKey = new Map<number, Row>();
  for (const row of db.all(EVENTS_BY_KEY, [JSON.stringify(page.map((row) => row.key))])) {
    byKey.set(row.key as number, row);
  }
  const rows: Row[] = [];
  for (const { key, score } of page) {
    const row = byKey.get(key as number);
    if (row !== undefined) rows.push({ ...row, score: score as number });
  }
  return rows;
}

export function searchEvents(db: Database, q: SearchQuery): SearchHit[] {
  if (q.syntax === 'fts5' && q.query.length > MAX_FTS5_QUERY_LENGTH) {
    throw new ThreadkeepError(
      'INVALID_QUERY',
      `search query ${describeValue(q.query)} is ${q.query.length} characters long; syntax 'fts5' takes at most ${MAX_FTS5_QUERY_LENGTH} (use syntax 'plain' for long text)`,
      { length: q.query.length },
    );
  }
  const translated = q.syntax === 'fts5' ? translateFts5Query(q.query) : translatePlainQuery(q.query);
  if (translated.match === null || q.limit === 0) return [];
  let rows: Row[];
  try {
    rows = rankedRows(db, translated.match, q);
  } catch (error) {
    if (q.syntax === 'fts5') {
      const reason =
        error instanceof Error ? error.message.replace(/^SQLITE_ERROR: sqlite3 result code 1: /, '') : '';
      throw new ThreadkeepError(
        'INVALID_QUERY',
        `search query ${describeValue(q.query)} is not valid FTS5 syntax (${reason}); use syntax 'plain' for text typed by people`,
        { query: q.query },
      );
    }
    throw error;
  }
  return rows.map((row) => {
    const event = toEvent(row);
    const { snippet, highlights } = makeSnippet(
      eventSearchText(event.content, event.toolCalls),
      translated.terms,
    );
    return { event, score: row.score as number, snippet, highlights };
  });
}

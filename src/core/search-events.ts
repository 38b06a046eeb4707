/** Runs a search over the FTS5 index and builds plain-text snippets for the hits. */
import type { Database } from './database.js';
import { describeValue, ThreadkeepError } from './errors.js';
import { EVENT_COLUMNS, toEvent } from './rows.js';
import { translateFts5Query, translatePlainQuery } from './search/query.js';
import { makeSnippet } from './search/snippet.js';
import { eventSearchText } from './search/text.js';
import type { Role, SearchHit } from './types.js';

/*
 * Ranking. `rank` is FTS5's bm25(), lower is better; SearchHit.score is its negation so that
 * higher is better. Computing bm25 for every match of a word that is in most messages costs ~5 µs
 * a match (0.5 s at 100 000 events, 10× that at a million), all of it to pick 20. So the query
 * first finds the CANDIDATES most recent matching events (FTS5 walks its doclists newest first,
 * with the filters applied, and stops there), then ranks only those by bm25: exact BM25 order for
 * any query with fewer matches, and for a word in most messages the best of its most recent
 * matches. The candidates' lower bound reaches FTS5 as a rowid constraint, so the ranking pass
 * skips older doclist entries instead of reading them.
 */
const CANDIDATES = 4096;

const FILTERS = `
    AND (?2 IS NULL OR e.session_key = (SELECT key FROM sessions WHERE id = ?2))
    AND (?3 IS NULL OR e.kind IN (SELECT value FROM json_each(?3)))
    AND (?4 IS NULL OR e.role IN (SELECT value FROM json_each(?4)))`;

const SEARCH = `SELECT ${EVENT_COLUMNS}, -f.rank AS score
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
  let rows: ReturnType<Database['all']>;
  try {
    rows = db.all(SEARCH, [
      translated.match,
      q.sessionId ?? null,
      q.kinds ? JSON.stringify(q.kinds) : null,
      q.roles ? JSON.stringify(q.roles) : null,
      q.limit,
      q.offset,
      Math.max(CANDIDATES, 4 * (q.offset + q.limit)),
    ]);
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

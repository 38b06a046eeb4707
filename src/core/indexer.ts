/**
 * Lazy full-text indexing. An append only records the new event's key in `index_queue` (cheap);
 * this moves queued events into the FTS5 table in slices, in idle time or before a search.
 * Measured: feeding FTS5 inside every append made bulk writes 3–5× slower, and re-indexed a
 * streamed reply on every patch; a partial event is queued once, when it completes.
 */
import type { Database } from './database.js';
import { eventSearchText, toIndexText } from './search/text.js';
import type { JsonValue, ToolCall } from './types.js';

const SELECT_PENDING = `
  SELECT q.event_key AS key, e.content AS content, e.tool_calls AS toolCalls
  FROM index_queue q JOIN events e ON e.key = q.event_key
  ORDER BY q.event_key LIMIT ?`;
const INSERT_FTS = 'INSERT INTO event_fts (rowid, body) VALUES (?, ?)';
const DELETE_QUEUED = 'DELETE FROM index_queue WHERE event_key <= ?';
// EXISTS, not count(*): counting walks every page of the queue, which after a bulk import of
// 1 000 000 events is asked before each of hundreds of slices.
const ANY_PENDING = 'SELECT EXISTS (SELECT 1 FROM index_queue)';
const QUEUE_EVENT = 'INSERT OR IGNORE INTO index_queue (event_key) VALUES (?)';
const UNQUEUE_EVENT = 'DELETE FROM index_queue WHERE event_key = ?';
const IS_QUEUED = 'SELECT 1 FROM index_queue WHERE event_key = ?';
const DELETE_FTS = 'DELETE FROM event_fts WHERE rowid = ?';

/** Whether some committed event is not in the full-text index yet. */
export function hasPending(db: Database): boolean {
  return Number(db.value(ANY_PENDING)) === 1;
}

/** Queues a complete event for indexing. */
export function queueForIndex(db: Database, eventKey: number): void {
  db.run(QUEUE_EVENT, [eventKey]);
}

/** Removes an event from the index, or from the queue if it was never indexed. */
export function unindexEvent(db: Database, eventKey: number, partial: boolean): void {
  if (partial) return;
  if (db.value(IS_QUEUED, [eventKey]) !== undefined) db.run(UNQUEUE_EVENT, [eventKey]);
  else db.run(DELETE_FTS, [eventKey]);
}

/** Indexes up to `max` queued events, oldest first; returns how many. */
export function indexPending(db: Database, max: number): number {
  const rows = db.all(SELECT_PENDING, [max]);
  let last = 0;
  for (const row of rows) {
    const content = row.content === null ? null : (JSON.parse(row.content as string) as JsonValue);
    const toolCalls = row.toolCalls === null ? [] : (JSON.parse(row.toolCalls as string) as ToolCall[]);
    const text = toIndexText(eventSearchText(content, toolCalls));
    if (text.length > 0) db.run(INSERT_FTS, [row.key as number, text]);
    last = row.key as number;
  }
  if (rows.length > 0) db.run(DELETE_QUEUED, [last]);
  return rows.length;
}

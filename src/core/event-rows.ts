/**
 * Inserting and removing event rows, shared by append, replace, truncate, fork and session delete.
 * Callers own the session counters and the change reports; this file keeps seqs, the index queue
 * and idempotent retries right.
 */
import type { Database, Row } from './database.js';
import { ThreadkeepError } from './errors.js';
import { newId } from './ids.js';
import { queueForIndex, unindexEvent } from './indexer.js';
import type { EventRecord } from './inputs.js';
import { EVENT_COLUMNS, EVENTS_FROM, toEvent } from './rows.js';
import type { StoredEvent } from './types.js';

const FIND_BY_REQUEST = `SELECT ${EVENT_COLUMNS} ${EVENTS_FROM} WHERE e.session_key = ? AND e.request_id = ?`;
const ID_EXISTS = 'SELECT 1 FROM events WHERE id = ?';
const INSERT_EVENT = `INSERT INTO events (id, session_key, seq, kind, role, content, tool_calls, tool_call_id, parent_id,
    request_id, tokens, metadata, artifacts, partial, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const EVENTS_UP_TO = 'SELECT key, id, partial, tokens FROM events WHERE session_key = ? AND seq <= ?';
const DELETE_EVENTS_UP_TO = 'DELETE FROM events WHERE session_key = ? AND seq <= ?';

/**
 * Stores one event row at `seq` and queues it for the index when complete; returns its key.
 * Shared by append/replace and by JSONL import, which keeps the seqs and ids of the file.
 */
export function insertEventRow(
  db: Database,
  sessionKey: number,
  seq: number,
  id: string,
  r: EventRecord,
  createdAt: number,
): number {
  const partial = r.status === 'partial';
  const key = db.insert(INSERT_EVENT, [
    id,
    sessionKey,
    seq,
    r.kind,
    r.role,
    r.contentText,
    r.toolCallsText,
    r.toolCallId,
    r.parentId,
    r.requestId,
    r.tokens,
    r.metadataText,
    r.artifactsText,
    partial ? 1 : 0,
    createdAt,
  ]);
  if (!partial) queueForIndex(db, key);
  return key;
}

export interface InsertPlan {
  /** The answer for each input, in input order: a stored event for retries, or the new one. */
  events: StoredEvent[];
  /** Ids of the events this call added. */
  newIds: string[];
  tokens: number;
  lastSeq: number;
}

/**
 * Stores `records` after `lastSeq`. A `requestId` already in the session, or earlier in the same
 * batch, is a retry: the stored event answers it and nothing is added for it. `beforeInsert` runs
 * once it is known that something will be added (revision checks belong there, so a batch of
 * retries succeeds even when the revision has moved on).
 */
export function insertEvents(
  db: Database,
  session: { key: number; id: string; lastSeq: number },
  records: readonly EventRecord[],
  now: number,
  beforeInsert: () => void,
): InsertPlan {
  const events: Array<StoredEvent | number> = [];
  const fresh: number[] = [];
  const batchRequests = new Map<string, number>();
  for (let i = 0; i < records.length; i++) {
    const requestId = records[i]!.requestId;
    if (requestId !== null) {
      const earlier = batchRequests.get(requestId);
      if (earlier !== undefined) {
        events.push(earlier);
        continue;
      }
      const stored = db.get(FIND_BY_REQUEST, [session.key, requestId]);
      if (stored) {
        events.push(toEvent(stored));
        continue;
      }
      batchRequests.set(requestId, i);
    }
    events.push(i);
    fresh.push(i);
  }
  const plan: InsertPlan = { events: [], newIds: [], tokens: 0, lastSeq: session.lastSeq };
  if (fresh.length > 0) beforeInsert();

  const batchIds = new Set<string>();
  for (const i of fresh) {
    const given = records[i]!.id;
    if (given === undefined) continue;
    if (batchIds.has(given) || db.value(ID_EXISTS, [given]) !== undefined) {
      throw new ThreadkeepError(
        'DUPLICATE_ID',
        `event id ${JSON.stringify(given)} is ${batchIds.has(given) ? 'given twice in one batch' : 'already in the store'}; nothing was appended`,
        { eventId: given },
      );
    }
    batchIds.add(given);
  }

  const created = new Map<number, StoredEvent>();
  for (const i of fresh) {
    const r = records[i]!;
    const id = r.id ?? newId(now);
    const seq = ++plan.lastSeq;
    const createdAt = r.createdAt ?? now;
    insertEventRow(db, session.key, seq, id, r, createdAt);
    plan.tokens += r.tokens;
    plan.newIds.push(id);
    created.set(i, {
      id,
      sessionId: session.id,
      seq,
      kind: r.kind,
      role: r.role,
      content: r.content,
      toolCalls: r.toolCalls,
      toolCallId: r.toolCallId,
      parentId: r.parentId,
      requestId: r.requestId,
      tokens: r.tokens,
      metadata: r.metadata,
      artifacts: r.artifacts,
      status: r.status,
      createdAt,
    });
  }
  plan.events = events.map((e) => (typeof e === 'number' ? created.get(e)! : e));
  return plan;
}

export interface Removed {
  ids: string[];
  tokens: number;
}

/** Removes a session's events with seq ≤ `throughSeq` (0 = all of them) and their index entries. */
export function removeEvents(db: Database, sessionKey: number, throughSeq: number): Removed {
  const limit = throughSeq === 0 ? Number.MAX_SAFE_INTEGER : throughSeq;
  const rows = db.all(EVENTS_UP_TO, [sessionKey, limit]) as Array<Row & { key: number; id: string }>;
  const removed: Removed = { ids: [], tokens: 0 };
  for (const row of rows) {
    unindexEvent(db, row.key, row.partial === 1);
    removed.ids.push(row.id);
    removed.tokens += row.tokens as number;
  }
  if (rows.length > 0) db.run(DELETE_EVENTS_UP_TO, [sessionKey, limit]);
  return removed;
}

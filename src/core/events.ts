/** Events: append, read, patch, truncate, replace, and the message list for a model. */
import type { Database } from './database.js';
import type { Replay, WriteContext } from './engine.js';
import { invalid, notFound, ThreadkeepError } from './errors.js';
import { insertEvents, removeEvents } from './event-rows.js';
import { queueForIndex } from './indexer.js';
import type { EventPatchRecord, EventRecord } from './inputs.js';
import { buildMessages, type MessageOptions } from './messages.js';
import { EVENT_COLUMNS, EVENTS_FROM, toEvent } from './rows.js';
import { checkRevision, findSession, insertSession, requireSession } from './sessions.js';
import type { JsonObject, Role, StoredEvent } from './types.js';

const UPDATE_AFTER_APPEND = `UPDATE sessions SET last_seq = ?, event_count = event_count + ?, token_count = token_count + ?,
  revision = revision + 1, updated_at = ? WHERE key = ?`;
const UPDATE_AFTER_REMOVE = `UPDATE sessions SET event_count = event_count - ?, token_count = token_count - ?,
  revision = revision + 1, updated_at = ? WHERE key = ?`;
const UPDATE_AFTER_PATCH = `UPDATE sessions SET token_count = token_count + ?, revision = revision + 1, updated_at = ?
  WHERE key = ? RETURNING revision, token_count`;
const GET_EVENT = `SELECT ${EVENT_COLUMNS} ${EVENTS_FROM} WHERE e.id = ?`;
const PATCH_EVENT = 'UPDATE events SET content = ?, tokens = ?, metadata = ?, partial = ? WHERE key = ?';
const LIST_EVENTS = `SELECT ${EVENT_COLUMNS} ${EVENTS_FROM}
  WHERE e.session_key = ?1 AND e.seq > ?2 AND e.seq < ?3
    AND (?4 IS NULL OR e.kind IN (SELECT value FROM json_each(?4)))
    AND (?5 IS NULL OR e.role IN (SELECT value FROM json_each(?5)))
  ORDER BY e.seq`;
const TAIL_EVENTS = `SELECT ${EVENT_COLUMNS} ${EVENTS_FROM} WHERE e.session_key = ? ORDER BY e.seq DESC LIMIT ?`;
const NTH_FROM_END = 'SELECT seq FROM events WHERE session_key = ? ORDER BY seq DESC LIMIT 1 OFFSET ?';
const CONVERSATION_EVENTS = `SELECT ${EVENT_COLUMNS} ${EVENTS_FROM}
  WHERE e.session_key = ? AND e.kind IN ('message', 'tool_result') AND e.partial = 0 ORDER BY e.seq`;

/** Events answered again by id when a forwarded write is retried (see Replay in engine.ts). */
export const EVENTS_REPLAY: Replay<StoredEvent[]> = {
  record: (events) => events.map((e) => e.id),
  answer: (db, ids) => (ids as string[]).map((id) => getEvent(db, id)).filter((e) => e !== undefined),
};

export const EVENT_REPLAY: Replay<StoredEvent> = {
  record: (event) => event.id,
  answer: (db, id) => {
    const event = getEvent(db, id as string);
    if (!event) throw notFound(`event ${JSON.stringify(id)} no longer exists`, { eventId: id as string });
    return event;
  },
};

export function appendEvents(
  ctx: WriteContext,
  sessionId: string,
  records: readonly EventRecord[],
  options: { expectedRevision?: number | undefined; createSession: boolean },
): StoredEvent[] {
  let found = findSession(ctx.db, sessionId);
  if (!found) {
    if (!options.createSession) {
      throw notFound(
        `cannot append: session ${JSON.stringify(sessionId)} does not exist (createSession is false)`,
        {
          sessionId,
        },
      );
    }
    if (records.length === 0) return [];
    checkRevision(
      { id: sessionId, revision: 0 } as Parameters<typeof checkRevision>[0],
      options.expectedRevision,
    );
    found = insertSession(ctx, { id: sessionId });
  }
  const { key, session } = found;
  const plan = insertEvents(ctx.db, { key, id: sessionId, lastSeq: session.lastSeq }, records, ctx.now, () =>
    checkRevision(session, options.expectedRevision),
  );
  if (plan.newIds.length === 0) return plan.events;
  checkTokenCount(sessionId, session.tokenCount + plan.tokens);
  ctx.db.run(UPDATE_AFTER_APPEND, [plan.lastSeq, plan.newIds.length, plan.tokens, ctx.now, key]);
  ctx.indexQueued = true;
  ctx.changes.push({
    kind: 'event',
    op: 'create',
    sessionId,
    ids: plan.newIds,
    revision: session.revision + 1,
  });
  return plan.events;
}

/**
 * A session's tokenCount must stay a number JavaScript holds exactly; past 2^53 SQLite would hand
 * back a BigInt. Thrown inside the write's transaction, so nothing changes.
 */
function checkTokenCount(sessionId: string, total: unknown): void {
  if (typeof total === 'number' && total <= Number.MAX_SAFE_INTEGER) return;
  throw invalid(
    `tokens would take session ${JSON.stringify(sessionId)}'s tokenCount past ${Number.MAX_SAFE_INTEGER}; nothing was changed`,
    { sessionId },
  );
}

export function getEvent(db: Database, id: string): StoredEvent | undefined {
  const row = db.get(GET_EVENT, [id]);
  return row ? toEvent(row) : undefined;
}

export interface EventQuery {
  afterSeq?: number | undefined;
  beforeSeq?: number | undefined;
  kinds?: string[] | undefined;
  roles?: Role[] | undefined;
  limit: number;
  order: 'asc' | 'desc';
}

export function listEvents(db: Database, sessionId: string, query: EventQuery): StoredEvent[] {
  const found = findSession(db, sessionId);
  if (!found || query.limit === 0) return [];
  const sql = `${LIST_EVENTS} ${query.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?6`;
  return db
    .all(sql, [
      found.key,
      query.afterSeq ?? -1,
      query.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      query.kinds ? JSON.stringify(query.kinds) : null,
      query.roles ? JSON.stringify(query.roles) : null,
      query.limit,
    ])
    .map(toEvent);
}

export function tailEvents(db: Database, sessionId: string, n: number): StoredEvent[] {
  const found = findSession(db, sessionId);
  if (!found || n === 0) return [];
  return db.all(TAIL_EVENTS, [found.key, n]).map(toEvent).reverse();
}

/** Changes a partial event; complete events are immutable. Completing one queues it for the index. */
export function patchEvent(ctx: WriteContext, id: string, patch: EventPatchRecord): StoredEvent {
  const row = ctx.db.get(GET_EVENT, [id]);
  if (!row) throw notFound(`cannot patch: event ${JSON.stringify(id)} does not exist`, { eventId: id });
  const event = toEvent(row);
  if (event.status !== 'partial') {
    throw new ThreadkeepError(
      'IMMUTABLE_EVENT',
      `event ${JSON.stringify(id)} is complete and cannot be patched; only 'partial' events change (use truncate or replace for complete ones)`,
      { eventId: id },
    );
  }
  if (
    patch.content === undefined &&
    patch.tokens === undefined &&
    patch.metadata === undefined &&
    !patch.status
  ) {
    return event;
  }
  const next: StoredEvent = {
    ...event,
    content: patch.content ? patch.content.value : event.content,
    tokens: patch.tokens ?? event.tokens,
    metadata: patch.metadata ? patch.metadata.value : event.metadata,
    status: patch.status ?? event.status,
  };
  const metadataText = patch.metadata
    ? patch.metadata.text
    : Object.keys(event.metadata).length > 0
      ? JSON.stringify(event.metadata)
      : null;
  ctx.db.run(PATCH_EVENT, [
    patch.content ? patch.content.text : (row.content as string | null),
    next.tokens,
    metadataText,
    next.status === 'partial' ? 1 : 0,
    row.key as number,
  ]);
  if (next.status === 'complete') {
    queueForIndex(ctx.db, row.key as number);
    ctx.indexQueued = true;
  }
  const sessionKey = ctx.db.value('SELECT session_key FROM events WHERE key = ?', [
    row.key as number,
  ]) as number;
  const updated = ctx.db.get(UPDATE_AFTER_PATCH, [next.tokens - event.tokens, ctx.now, sessionKey])!;
  checkTokenCount(event.sessionId, updated.token_count);
  const revision = updated.revision as number;
  ctx.changes.push({ kind: 'event', op: 'update', sessionId: event.sessionId, ids: [id], revision });
  return next;
}

/** Removes all but the last `keepLast` events; resolves to how many were removed. */
export function truncateEvents(ctx: WriteContext, sessionId: string, keepLast: number): number {
  const found = findSession(ctx.db, sessionId);
  if (!found) return 0;
  const cut = ctx.db.value(NTH_FROM_END, [found.key, keepLast]) as number | undefined;
  if (cut === undefined) return 0;
  const removed = removeEvents(ctx.db, found.key, cut);
  ctx.db.run(UPDATE_AFTER_REMOVE, [removed.ids.length, removed.tokens, ctx.now, found.key]);
  ctx.changes.push({
    kind: 'event',
    op: 'delete',
    sessionId,
    ids: removed.ids,
    revision: found.session.revision + 1,
  });
  return removed.ids.length;
}

/** Swaps the whole transcript in one transaction; new events get seqs after the old `lastSeq`. */
export function replaceEvents(
  ctx: WriteContext,
  sessionId: string,
  records: readonly EventRecord[],
  expectedRevision: number,
): StoredEvent[] {
  const { key, session } = requireSession(ctx.db, sessionId, 'replace events');
  checkRevision(session, expectedRevision);
  const removed = removeEvents(ctx.db, key, 0);
  const plan = insertEvents(
    ctx.db,
    { key, id: sessionId, lastSeq: session.lastSeq },
    records,
    ctx.now,
    () => {},
  );
  checkTokenCount(sessionId, plan.tokens);
  const revision = session.revision + 1;
  ctx.db.run(
    `UPDATE sessions SET last_seq = ?, event_count = ?, token_count = ?, revision = ?, updated_at = ? WHERE key = ?`,
    [plan.lastSeq, plan.newIds.length, plan.tokens, revision, ctx.now, key],
  );
  if (removed.ids.length > 0) {
    ctx.changes.push({ kind: 'event', op: 'delete', sessionId, ids: removed.ids, revision });
  }
  if (plan.newIds.length > 0) {
    ctx.indexQueued = true;
    ctx.changes.push({ kind: 'event', op: 'create', sessionId, ids: plan.newIds, revision });
  }
  if (removed.ids.length === 0 && plan.newIds.length === 0) {
    ctx.changes.push({ kind: 'session', op: 'update', sessionId, ids: [sessionId], revision });
  }
  return plan.events;
}

export function conversation(db: Database, sessionId: string, options: MessageOptions): JsonObject[] {
  const found = findSession(db, sessionId);
  if (!found) return [];
  const events = db.all(CONVERSATION_EVENTS, [found.key]).map(toEvent);
  return buildMessages(events, found.session.summary, options);
}

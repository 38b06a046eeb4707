/** Sessions: create, read, list, update, delete, fork. Each write runs inside the engine's transaction. */
import type { Database, Row } from './database.js';
import type { WriteContext } from './engine.js';
import { notFound, ThreadkeepError } from './errors.js';
import { removeEvents } from './event-rows.js';
import { newId } from './ids.js';
import { queueForIndex } from './indexer.js';
import { encodeText, SESSION_COLUMNS, toSession } from './rows.js';
import type { JsonObject, Session } from './types.js';

const FIND_SESSION = `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`;
const INSERT_SESSION = `INSERT INTO sessions (id, title, summary, metadata, created_at, updated_at, event_count, token_count, last_seq, revision)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const LIST_SESSIONS = `SELECT ${SESSION_COLUMNS} FROM sessions s
  WHERE (?1 IS NULL OR s.updated_at > ?1) AND (?2 IS NULL OR s.created_at > ?2)
  ORDER BY s.updated_at DESC, s.id ASC LIMIT ?3 OFFSET ?4`;
const UPDATE_SESSION_FIELDS = `UPDATE sessions SET title = ?, summary = ?, metadata = ?, revision = revision + 1, updated_at = ?
  WHERE key = ?`;
const DELETE_SESSION = 'DELETE FROM sessions WHERE key = ?';
const SESSION_ARTIFACTS = 'SELECT key, handle FROM artifacts WHERE session_id = ?';
const DELETE_ARTIFACT_CHUNKS = 'DELETE FROM artifact_chunks WHERE artifact_key = ?';
const DELETE_ARTIFACT = 'DELETE FROM artifacts WHERE key = ?';
const FORK_SOURCE_EVENTS =
  'SELECT key, id, parent_id, partial FROM events WHERE session_key = ? AND seq <= ? ORDER BY seq';
const COPY_EVENT = `INSERT INTO events (id, session_key, seq, kind, role, content, tool_calls, tool_call_id, parent_id, request_id,
    tokens, metadata, artifacts, partial, created_at)
  SELECT ?, ?, seq, kind, role, content, tool_calls, tool_call_id, ?, request_id, tokens, metadata, artifacts, partial, created_at
  FROM events WHERE key = ?`;
const FORK_TOTALS =
  'SELECT count(*) AS n, total(tokens) AS tokens, max(seq) AS last FROM events WHERE session_key = ?';
const SET_SESSION_TOTALS =
  'UPDATE sessions SET event_count = ?, token_count = ?, last_seq = ?, revision = ? WHERE key = ?';

/** A session row with its integer key. */
export interface SessionRow {
  key: number;
  session: Session;
}

export function findSession(db: Database, id: string): SessionRow | undefined {
  const row = db.get(FIND_SESSION, [id]);
  return row ? { key: row.key as number, session: toSession(row) } : undefined;
}

export function requireSession(db: Database, id: string, action: string): SessionRow {
  const found = findSession(db, id);
  if (!found)
    throw notFound(`cannot ${action}: session ${JSON.stringify(id)} does not exist`, { sessionId: id });
  return found;
}

export function checkRevision(session: Session, expected: number | undefined): void {
  if (expected !== undefined && expected !== session.revision) {
    throw new ThreadkeepError(
      'REVISION_CONFLICT',
      `session ${JSON.stringify(session.id)} is at revision ${session.revision}, not the expected ${expected}; nothing was changed`,
      { sessionId: session.id, expectedRevision: expected, revision: session.revision },
    );
  }
}

export interface NewSession {
  id: string | undefined;
  title?: string | undefined;
  summary?: string | undefined;
  metadata?: JsonObject | undefined;
}

/** Inserts a session (revision 0, empty) and reports its creation. */
export function insertSession(ctx: WriteContext, input: NewSession): SessionRow {
  const id = input.id ?? newId(ctx.now);
  if (input.id !== undefined && findSession(ctx.db, id)) {
    throw new ThreadkeepError('DUPLICATE_ID', `session id ${JSON.stringify(id)} is already in use`, {
      sessionId: id,
    });
  }
  const metadata = input.metadata ?? {};
  const key = ctx.db.insert(INSERT_SESSION, [
    id,
    encodeText(input.title),
    encodeText(input.summary),
    JSON.stringify(metadata),
    ctx.now,
    ctx.now,
    0,
    0,
    0,
    0,
  ]);
  const session: Session = {
    id,
    title: input.title ?? null,
    summary: input.summary ?? null,
    metadata,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    eventCount: 0,
    tokenCount: 0,
    lastSeq: 0,
    revision: 0,
  };
  ctx.changes.push({ kind: 'session', op: 'create', sessionId: id, ids: [id], revision: 0 });
  return { key, session };
}

export function listSessions(
  db: Database,
  options: {
    limit: number;
    offset: number;
    updatedAfter?: number | undefined;
    createdAfter?: number | undefined;
  },
): Session[] {
  return db
    .all(LIST_SESSIONS, [
      options.updatedAfter ?? null,
      options.createdAfter ?? null,
      options.limit,
      options.offset,
    ])
    .map(toSession);
}

export interface SessionFieldsPatch {
  title?: string | null;
  summary?: string | null;
  metadata?: JsonObject;
  expectedRevision?: number | undefined;
}

export function updateSession(ctx: WriteContext, id: string, patch: SessionFieldsPatch): Session {
  const { key, session } = requireSession(ctx.db, id, 'update session');
  checkRevision(session, patch.expectedRevision);
  if (patch.title === undefined && patch.summary === undefined && patch.metadata === undefined)
    return session;
  const next: Session = {
    ...session,
    title: patch.title === undefined ? session.title : patch.title,
    summary: patch.summary === undefined ? session.summary : patch.summary,
    metadata: patch.metadata ?? session.metadata,
    revision: session.revision + 1,
    updatedAt: ctx.now,
  };
  ctx.db.run(UPDATE_SESSION_FIELDS, [
    encodeText(next.title),
    encodeText(next.summary),
    JSON.stringify(next.metadata),
    ctx.now,
    key,
  ]);
  ctx.changes.push({ kind: 'session', op: 'update', sessionId: id, ids: [id], revision: next.revision });
  return next;
}

/** Deletes a session with its events, their index entries and its artifacts. */
export function deleteSession(ctx: WriteContext, id: string): boolean {
  const found = findSession(ctx.db, id);
  if (!found) return false;
  const removed = removeEvents(ctx.db, found.key, 0);
  const artifacts = ctx.db.all(SESSION_ARTIFACTS, [id]) as Array<Row & { key: number; handle: string }>;
  for (const artifact of artifacts) {
    ctx.db.run(DELETE_ARTIFACT_CHUNKS, [artifact.key]);
    ctx.db.run(DELETE_ARTIFACT, [artifact.key]);
  }
  ctx.db.run(DELETE_SESSION, [found.key]);
  ctx.changes.push({ kind: 'session', op: 'delete', sessionId: id, ids: [id], revision: null });
  if (removed.ids.length > 0) {
    ctx.changes.push({ kind: 'event', op: 'delete', sessionId: id, ids: removed.ids, revision: null });
  }
  if (artifacts.length > 0) {
    const handles = artifacts.map((a) => a.handle);
    ctx.changes.push({ kind: 'artifact', op: 'delete', sessionId: id, ids: handles, revision: null });
  }
  return true;
}

/**
 * A new session holding a copy of the source's events up to `throughSeq`: same seqs and content,
 * new event ids (parent links inside the copy follow them), `metadata.forkedFrom` set.
 */
export function forkSession(
  ctx: WriteContext,
  id: string,
  options: { throughSeq?: number | undefined; id?: string | undefined; title?: string | undefined },
): Session {
  const source = requireSession(ctx.db, id, 'fork session');
  const through = Math.min(options.throughSeq ?? source.session.lastSeq, source.session.lastSeq);
  const fork = insertSession(ctx, {
    id: options.id,
    title: options.title ?? source.session.title ?? undefined,
    summary: source.session.summary ?? undefined,
    metadata: { ...source.session.metadata, forkedFrom: { sessionId: id, seq: through } },
  });
  const rows = ctx.db.all(FORK_SOURCE_EVENTS, [source.key, through]);
  const newIds = new Map<string, string>();
  for (const row of rows) newIds.set(row.id as string, newId(ctx.now));
  for (const row of rows) {
    const parent = row.parent_id as string | null;
    const eventKey = ctx.db.insert(COPY_EVENT, [
      newIds.get(row.id as string)!,
      fork.key,
      parent === null ? null : (newIds.get(parent) ?? parent),
      row.key as number,
    ]);
    if (!row.partial) queueForIndex(ctx.db, eventKey);
  }
  if (rows.length === 0) return fork.session;
  ctx.indexQueued = true;
  const totals = ctx.db.get(FORK_TOTALS, [fork.key])!;
  const session: Session = {
    ...fork.session,
    eventCount: totals.n as number,
    tokenCount: totals.tokens as number,
    lastSeq: totals.last as number,
    revision: 1,
  };
  ctx.db.run(SET_SESSION_TOTALS, [session.eventCount, session.tokenCount, session.lastSeq, 1, fork.key]);
  ctx.changes.push({
    kind: 'event',
    op: 'create',
    sessionId: session.id,
    ids: [...newIds.values()],
    revision: 1,
  });
  return session;
}

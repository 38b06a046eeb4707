/**
 * How records are laid out in rows. Free text that may hold lone surrogates is kept as JSON text
 * (see schema.ts); ids and labels were checked to be well-formed and are stored as they are.
 */
import type { Row } from './database.js';
import type {
  ArtifactRef,
  EventStatus,
  JsonObject,
  JsonValue,
  Role,
  Session,
  StoredEvent,
  ToolCall,
} from './types.js';

export function encodeText(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function decodeText(value: unknown): string | null {
  return value === null || value === undefined ? null : (JSON.parse(value as string) as string);
}

export function encodeJson(value: JsonValue | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parseOr<T>(value: unknown, fallback: T): T {
  return value === null || value === undefined ? fallback : (JSON.parse(value as string) as T);
}

export const SESSION_COLUMNS =
  's.key, s.id, s.title, s.summary, s.metadata, s.created_at, s.updated_at, s.event_count, s.token_count, s.last_seq, s.revision';

export function toSession(row: Row): Session {
  return {
    id: row.id as string,
    title: decodeText(row.title),
    summary: decodeText(row.summary),
    metadata: parseOr<JsonObject>(row.metadata, {}),
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
    eventCount: row.event_count as number,
    // Writes keep it below 2^53; an imported file might not, and a BigInt must never leak out.
    tokenCount: Number(row.token_count),
    lastSeq: row.last_seq as number,
    revision: row.revision as number,
  };
}

export const EVENT_COLUMNS =
  'e.key, e.id, s.id AS session_id, e.seq, e.kind, e.role, e.content, e.tool_calls, e.tool_call_id, e.parent_id, e.request_id, e.tokens, e.metadata, e.artifacts, e.partial, e.created_at';

/** Events joined with their session's id: `FROM events e JOIN sessions s ON s.key = e.session_key`. */
export const EVENTS_FROM = 'FROM events e JOIN sessions s ON s.key = e.session_key';

export function toEvent(row: Row): StoredEvent {
  return {
    id: row.id as string,
    sessionId: row.session_id as string,
    seq: row.seq as number,
    kind: row.kind as string,
    role: (row.role as Role | null) ?? null,
    content: parseOr<JsonValue | null>(row.content, null),
    toolCalls: parseOr<ToolCall[]>(row.tool_calls, []),
    toolCallId: (row.tool_call_id as string | null) ?? null,
    parentId: (row.parent_id as string | null) ?? null,
    requestId: (row.request_id as string | null) ?? null,
    tokens: row.tokens as number,
    metadata: parseOr<JsonObject>(row.metadata, {}),
    artifacts: parseOr<string[]>(row.artifacts, []),
    status: (row.partial ? 'partial' : 'complete') as EventStatus,
    createdAt: row.created_at as number,
  };
}

export const ARTIFACT_COLUMNS =
  'a.key, a.handle, a.name, a.mime, a.size, a.sha256, a.session_id, a.event_id, a.metadata, a.created_at';

export function toArtifactRef(row: Row): ArtifactRef {
  return {
    handle: row.handle as string,
    name: decodeText(row.name),
    mime: row.mime as string,
    size: row.size as number,
    sha256: row.sha256 as string,
    sessionId: (row.session_id as string | null) ?? null,
    eventId: (row.event_id as string | null) ?? null,
    metadata: parseOr<JsonObject>(row.metadata, {}),
    createdAt: row.created_at as number,
  };
}

/**
 * Turns caller input into checked, normalized records before any call is queued. JSON fields are
 * encoded here, outside the database's critical section, and their checked values kept so a
 * write can answer without reading back what it stored.
 */
import { describeValue, invalid } from './errors.js';
import type { EventStatus, JsonObject, JsonValue, Role, ToolCall } from './types.js';
import {
  checkArray,
  checkCount,
  checkEnum,
  checkHandle,
  checkId,
  checkJson,
  checkJsonObject,
  checkLabel,
  checkOptionalId,
  checkOptions,
  checkString,
  checkTime,
  ROLES,
} from './validate.js';

export interface EventRecord {
  id: string | undefined;
  kind: string;
  role: Role | null;
  content: JsonValue | null;
  contentText: string | null;
  toolCalls: ToolCall[];
  toolCallsText: string | null;
  toolCallId: string | null;
  parentId: string | null;
  requestId: string | null;
  tokens: number;
  metadata: JsonObject;
  metadataText: string | null;
  artifacts: string[];
  artifactsText: string | null;
  status: EventStatus;
  createdAt: number | undefined;
}

const EVENT_KEYS = [
  'id',
  'kind',
  'role',
  'content',
  'toolCalls',
  'toolCallId',
  'parentId',
  'requestId',
  'tokens',
  'metadata',
  'artifacts',
  'status',
  'createdAt',
] as const;

export const STATUSES: readonly EventStatus[] = ['complete', 'partial'];

function checkToolCalls(value: unknown, what: string): ToolCall[] {
  return checkArray(value, what).map((call, i) => {
    const at = `${what}[${i}]`;
    if (call === undefined) throw invalid(`${at} must be an object, got undefined`);
    const c = checkOptions(call, at, ['id', 'name', 'arguments']);
    // Like every other optional field, an explicit undefined means absent.
    const args = c.arguments === undefined ? {} : checkJson(c.arguments, `${at}.arguments`);
    return { id: checkId(c.id, `${at}.id`), name: checkLabel(c.name, `${at}.name`), arguments: args };
  });
}

/** Checks one `EventInput`; `what` names it in messages (e.g. `event input [3]`). */
export function toEventRecord(value: unknown, what: string): EventRecord {
  const input = checkOptions(value, what, EVENT_KEYS);
  if (value === undefined) throw invalid(`${what} must be an object, got undefined`);
  const content = input.content === undefined ? null : checkJson(input.content, `${what}.content`);
  const toolCalls = input.toolCalls === undefined ? [] : checkToolCalls(input.toolCalls, `${what}.toolCalls`);
  const metadata = input.metadata === undefined ? {} : checkJsonObject(input.metadata, `${what}.metadata`);
  const artifacts =
    input.artifacts === undefined
      ? []
      : checkArray(input.artifacts, `${what}.artifacts`).map((h, i) => {
          try {
            return checkHandle(h);
          } catch {
            throw invalid(`${what}.artifacts[${i}] ${describeValue(h)} is not a valid artifact handle`);
          }
        });
  return {
    id: checkOptionalId(input.id, `${what}.id`),
    kind: input.kind === undefined ? 'message' : checkLabel(input.kind, `${what}.kind`),
    role: input.role === undefined ? null : checkEnum(input.role, `${what}.role`, ROLES),
    content,
    contentText: input.content === undefined ? null : JSON.stringify(content),
    toolCalls,
    toolCallsText: toolCalls.length > 0 ? JSON.stringify(toolCalls) : null,
    toolCallId: checkOptionalId(input.toolCallId, `${what}.toolCallId`) ?? null,
    parentId: checkOptionalId(input.parentId, `${what}.parentId`) ?? null,
    requestId: checkOptionalId(input.requestId, `${what}.requestId`) ?? null,
    tokens: input.tokens === undefined ? 0 : checkCount(input.tokens, `${what}.tokens`),
    metadata,
    metadataText: Object.keys(metadata).length > 0 ? JSON.stringify(metadata) : null,
    artifacts,
    artifactsText: artifacts.length > 0 ? JSON.stringify(artifacts) : null,
    status: input.status === undefined ? 'complete' : checkEnum(input.status, `${what}.status`, STATUSES),
    createdAt: input.createdAt === undefined ? undefined : checkTime(input.createdAt, `${what}.createdAt`),
  };
}

/** An `append` input: one event or an array of them. */
export function toEventRecords(value: unknown, what: string): EventRecord[] {
  if (Array.isArray(value)) return checkArray(value, what).map((v, i) => toEventRecord(v, `${what}[${i}]`));
  return [toEventRecord(value, what)];
}

export interface EventPatchRecord {
  content?: { value: JsonValue; text: string };
  tokens?: number;
  metadata?: { value: JsonObject; text: string | null };
  status?: EventStatus;
}

export function toEventPatch(value: unknown): EventPatchRecord {
  if (value === undefined) throw invalid('event patch must be an object, got undefined');
  const p = checkOptions(value, 'event patch', ['content', 'tokens', 'metadata', 'status']);
  const out: EventPatchRecord = {};
  if (p.content !== undefined) {
    const content = checkJson(p.content, 'event patch.content');
    out.content = { value: content, text: JSON.stringify(content) };
  }
  if (p.tokens !== undefined) out.tokens = checkCount(p.tokens, 'event patch.tokens');
  if (p.metadata !== undefined) {
    const metadata = checkJsonObject(p.metadata, 'event patch.metadata');
    out.metadata = {
      value: metadata,
      text: Object.keys(metadata).length > 0 ? JSON.stringify(metadata) : null,
    };
  }
  if (p.status !== undefined) out.status = checkEnum(p.status, 'event patch.status', STATUSES);
  return out;
}

export function checkExpectedRevision(value: unknown, what: string): number | undefined {
  return value === undefined ? undefined : checkCount(value, what);
}

/** A session's optional text field: a string, `null` to clear it, or absent. */
export function checkNullableText(value: unknown, what: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  return checkString(value, what);
}

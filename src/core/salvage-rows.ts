/**
 * What a row read from a damaged database must hold before recovery copies it: damage inside a
 * page can leave a row readable but wrong, and serving it would fail later (or mislead). Each
 * function returns the row's values in column order, or throws saying what is wrong.
 */
import type { ScannedRow } from './row-scan.js';
import { checkHandle, checkId, checkLabel, ROLES } from './validate.js';

export function integer(value: unknown, what: string, min = 0): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min)
    throw new Error(`${what} is not an integer ≥ ${min}`);
  return n;
}

function time(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${what} is not a time`);
  return value;
}

function nullableText(value: unknown, what: string): string | null {
  if (value === null || typeof value === 'string') return value;
  throw new Error(`${what} is not text`);
}

/** JSON text whose value passes `accept` (or null when `nullable`). */
function jsonText(
  value: unknown,
  what: string,
  accept: (v: unknown) => boolean,
  nullable: boolean,
): string | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string') throw new Error(`${what} is not JSON text`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
  if (!accept(parsed)) throw new Error(`${what} does not hold what threadkeep writes`);
  return value;
}

const anyJson = () => true;
const isString = (v: unknown) => typeof v === 'string';
const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isArray = (v: unknown) => Array.isArray(v);
const isStringArray = (v: unknown) => Array.isArray(v) && v.every(isString);

export function sessionValues(row: ScannedRow): unknown[] {
  return [
    integer(row.key, 'key', 1),
    checkId(row.id, 'session id'),
    jsonText(row.title, 'title', isString, true),
    jsonText(row.summary, 'summary', isString, true),
    jsonText(row.metadata, 'metadata', isObject, false),
    time(row.created_at, 'createdAt'),
    time(row.updated_at, 'updatedAt'),
    integer(row.last_seq, 'lastSeq'),
    integer(row.revision, 'revision'),
  ];
}

export function eventValues(row: ScannedRow): unknown[] {
  const role = row.role;
  if (role !== null && !(ROLES as readonly unknown[]).includes(role)) throw new Error('role is unknown');
  const partial = integer(row.partial, 'partial');
  if (partial > 1) throw new Error('partial is not 0 or 1');
  return [
    integer(row.key, 'key', 1),
    checkId(row.id, 'event id'),
    integer(row.session_key, 'session key', 1),
    integer(row.seq, 'seq', 1),
    checkLabel(row.kind, 'kind'),
    role,
    jsonText(row.content, 'content', anyJson, true),
    jsonText(row.tool_calls, 'toolCalls', isArray, true),
    nullableText(row.tool_call_id, 'toolCallId'),
    nullableText(row.parent_id, 'parentId'),
    nullableText(row.request_id, 'requestId'),
    integer(row.tokens, 'tokens'),
    jsonText(row.metadata, 'metadata', isObject, true),
    jsonText(row.artifacts, 'artifacts', isStringArray, true),
    partial,
    time(row.created_at, 'createdAt'),
  ];
}

export function artifactValues(row: ScannedRow): unknown[] {
  const sha = row.sha256;
  if (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha)) throw new Error('sha256 is not a digest');
  return [
    integer(row.key, 'key', 1),
    checkHandle(row.handle),
    jsonText(row.name, 'name', isString, true),
    checkLabel(row.mime, 'mime'),
    integer(row.size, 'size'),
    sha,
    nullableText(row.session_id, 'sessionId'),
    nullableText(row.event_id, 'eventId'),
    jsonText(row.metadata, 'metadata', isObject, false),
    time(row.created_at, 'createdAt'),
  ];
}

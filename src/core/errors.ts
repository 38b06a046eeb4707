import type { JsonObject } from './types.js';

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'DUPLICATE_ID'
  | 'REVISION_CONFLICT'
  | 'IMMUTABLE_EVENT'
  | 'INVALID_QUERY'
  | 'QUOTA_EXCEEDED'
  | 'BACKEND_UNAVAILABLE'
  | 'SCHEMA_TOO_NEW'
  | 'CORRUPT'
  | 'CLOSED'
  | 'INTERNAL';

export const ERROR_CODES: readonly ErrorCode[] = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'DUPLICATE_ID',
  'REVISION_CONFLICT',
  'IMMUTABLE_EVENT',
  'INVALID_QUERY',
  'QUOTA_EXCEEDED',
  'BACKEND_UNAVAILABLE',
  'SCHEMA_TOO_NEW',
  'CORRUPT',
  'CLOSED',
  'INTERNAL',
];

/** The one error type threadkeep rejects with; `code` tells what kind of failure it is. */
export class ThreadkeepError extends Error {
  override readonly name = 'ThreadkeepError' as const;
  readonly code: ErrorCode;
  readonly details?: JsonObject;

  constructor(code: ErrorCode, message: string, details?: JsonObject, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** Shows a value inside an error message: quoted, escaped, and cut when long. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'object') {
    try {
      if (Array.isArray(value)) return `an array of ${value.length}`;
      const ctor: unknown = (value as object).constructor?.name;
      return typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? `a ${ctor}` : 'an object';
    } catch {
      // A Proxy or a getter may throw; the message must still be built.
      return 'an object';
    }
  }
  return String(value);
}

export function invalid(message: string, details?: JsonObject): ThreadkeepError {
  return new ThreadkeepError('INVALID_ARGUMENT', message, details);
}

export function notFound(message: string, details?: JsonObject): ThreadkeepError {
  return new ThreadkeepError('NOT_FOUND', message, details);
}

const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;

/**
 * What to do about a damaged store; every CORRUPT message that reaches a user ends with it. The
 * layers below the store (SQLite, the journal) do not know the store's name: `store` fills it in.
 */
export function corruptGuidance(store?: string): string {
  const name = store === undefined ? 'name' : `name: ${JSON.stringify(store)}`;
  const remove = `deleteStore(${store === undefined ? 'name' : JSON.stringify(store)})`;
  return `Nothing was changed. To keep what is still readable, close the store in every tab and open it again with openStore({ ${name}, recover: true }): that copies every readable session, event and artifact into a fresh store and keeps the damaged bytes aside until ${remove}; or remove the store with ${remove}.`;
}

/** A CORRUPT error whose message ends with the guidance naming `store` (added once). */
export function withCorruptGuidance(error: ThreadkeepError, store: string): ThreadkeepError {
  if (error.code !== 'CORRUPT') return error;
  const specific = corruptGuidance(store);
  if (error.message.endsWith(specific)) return error;
  const generic = corruptGuidance();
  const base = error.message.endsWith(generic)
    ? error.message.slice(0, -generic.length).trimEnd()
    : error.message.replace(/[;.]?\s*nothing was changed$/i, '');
  return new ThreadkeepError(
    'CORRUPT',
    `${base.replace(/\.$/, '')}. ${specific}`,
    { ...error.details, store },
    { cause: error },
  );
}

/**
 * Maps any error that reaches threadkeep's boundary (SQLite result codes, DOMExceptions from
 * OPFS or IndexedDB, plain errors) to a ThreadkeepError. `context` says what was being done;
 * `store`, when known, names the store in a CORRUPT message's guidance.
 */
export function toThreadkeepError(error: unknown, context: string, store?: string): ThreadkeepError {
  if (error instanceof ThreadkeepError)
    return store === undefined ? error : withCorruptGuidance(error, store);
  const err = error as { name?: unknown; message?: unknown; resultCode?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : String(error);
  const primary = typeof err?.resultCode === 'number' ? err.resultCode & 0xff : undefined;
  if (primary === SQLITE_FULL || err?.name === 'QuotaExceededError' || /SQLITE_FULL|quota/i.test(message)) {
    return new ThreadkeepError(
      'QUOTA_EXCEEDED',
      // IndexedDB's QuotaExceededError may come with an empty message: its name says it all then.
      // No advice to delete sessions: that frees pages inside the store's files but does not
      // shrink them, so at a full origin it does not make room (test/e2e/quota.test.ts).
      `${context} failed: the storage quota is exhausted (${message || String(err?.name)}); nothing was changed. Room must be made first: free disk space or other storage of this site (deleting sessions or artifacts does not shrink the store's files).`,
      undefined,
      { cause: error },
    );
  }
  if (primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB || /SQLITE_(CORRUPT|NOTADB)/.test(message)) {
    return new ThreadkeepError(
      'CORRUPT',
      `${context} failed: the stored database${store === undefined ? '' : ` of store ${JSON.stringify(store)}`} is damaged (${message}). ${corruptGuidance(store)}`,
      store === undefined ? undefined : { store },
      { cause: error },
    );
  }
  return new ThreadkeepError('INTERNAL', `${context} failed: ${message}`, undefined, { cause: error });
}

/**
 * Every public call as one flat table of handlers: `method name → (args, callId?) → result`.
 * Each handler checks its arguments before it queues anything. The same table serves the
 * in-process store, the worker (through comlink) and other tabs (through the leader), so the
 * types of all three derive from it.
 */

import { parseSelector } from './artifacts/parseSelector.js';
import {
  artifactRef,
  deleteArtifact,
  drilldownArtifact,
  listArtifacts,
  putArtifact,
  readArtifact,
  toArtifactRecord,
} from './artifacts.js';
import type { Engine } from './engine.js';
import { describeValue, invalid, ThreadkeepError } from './errors.js';
import {
  appendEvents,
  conversation,
  EVENT_REPLAY,
  EVENTS_REPLAY,
  getEvent,
  listEvents,
  patchEvent,
  replaceEvents,
  tailEvents,
  truncateEvents,
} from './events.js';
import {
  checkExpectedRevision,
  checkNullableText,
  toEventPatch,
  toEventRecord,
  toEventRecords,
} from './inputs.js';
import { assertBlobOrString, exportJsonl, importJsonl } from './jsonl.js';
import { SCHEMA_VERSION } from './schema.js';
import { searchEvents } from './search-events.js';
import {
  deleteSession,
  findSession,
  forkSession,
  insertSession,
  listSessions,
  updateSession,
} from './sessions.js';
import type { Backend, Durability, RecoveryReport, Role } from './types.js';
import {
  checkArray,
  checkBoolean,
  checkCount,
  checkEnum,
  checkHandle,
  checkId,
  checkJsonObject,
  checkLabel,
  checkLimit,
  checkOptionalId,
  checkOptions,
  checkString,
  checkStringList,
  checkTime,
  ROLES,
  readingInput,
} from './validate.js';

/** What the engine knows about itself; the layers around it add role, persistence and quota. */
export interface EngineInfo {
  name: string;
  backend: Backend;
  durability: Durability;
  schemaVersion: number;
  sqliteVersion: string;
  counts: { sessions: number; events: number; artifacts: number };
  storedBytes: number | null;
  recovery: RecoveryReport | null;
}

const COUNTS = `SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT total(event_count) FROM sessions) AS events,
  (SELECT count(*) FROM artifacts) AS artifacts`;

const optionalTime = (v: unknown, what: string) => (v === undefined ? undefined : checkTime(v, what));
const optionalKinds = (v: unknown, what: string) =>
  v === undefined ? undefined : checkStringList(v, what, checkLabel);
const optionalRoles = (v: unknown, what: string) =>
  v === undefined ? undefined : checkStringList(v, what, (x, w) => checkEnum<Role>(x, w, ROLES));

/** Per-call context: a forwarded call carries the id that makes its write apply at most once. */
export interface Call {
  callId?: string | undefined;
}

export function createHandlers(engine: Engine) {
  return guardArguments({
    'sessions.create': async (call: Call, input?: unknown) => {
      const i = checkOptions(input, 'session input', ['id', 'title', 'summary', 'metadata']);
      const record = {
        id: checkOptionalId(i.id, 'session id'),
        title: i.title === undefined ? undefined : checkString(i.title, 'session title'),
        summary: i.summary === undefined ? undefined : checkString(i.summary, 'session summary'),
        metadata: i.metadata === undefined ? undefined : checkJsonObject(i.metadata, 'session metadata'),
      };
      return engine.write('creating a session', (ctx) => insertSession(ctx, record).session, call.callId);
    },
    'sessions.get': async (_call: Call, id: unknown) => {
      const sessionId = checkId(id, 'session id');
      return engine.read('reading a session', (db) => findSession(db, sessionId)?.session);
    },
    'sessions.list': async (_call: Call, options?: unknown) => {
      const o = checkOptions(options, 'session list options', [
        'limit',
        'offset',
        'updatedAfter',
        'createdAfter',
      ]);
      const query = {
        limit: checkLimit(o.limit, 'limit', 50, 1000),
        offset: checkLimit(o.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
        updatedAfter: optionalTime(o.updatedAfter, 'updatedAfter'),
        createdAfter: optionalTime(o.createdAfter, 'createdAfter'),
      };
      return engine.read('listing sessions', (db) => listSessions(db, query));
    },
    'sessions.update': async (call: Call, id: unknown, patch: unknown) => {
      const sessionId = checkId(id, 'session id');
      if (patch === undefined) throw invalid('session patch must be an object, got undefined');
      const p = checkOptions(patch, 'session patch', ['title', 'summary', 'metadata', 'expectedRevision']);
      const record = {
        ...(p.title !== undefined && { title: checkNullableText(p.title, 'session title') ?? null }),
        ...(p.summary !== undefined && { summary: checkNullableText(p.summary, 'session summary') ?? null }),
        ...(p.metadata !== undefined && { metadata: checkJsonObject(p.metadata, 'session metadata') }),
        expectedRevision: checkExpectedRevision(p.expectedRevision, 'expectedRevision'),
      };
      return engine.write('updating a session', (ctx) => updateSession(ctx, sessionId, record), call.callId);
    },
    'sessions.delete': async (call: Call, id: unknown) => {
      const sessionId = checkId(id, 'session id');
      return engine.write('deleting a session', (ctx) => deleteSession(ctx, sessionId), call.callId);
    },
    'sessions.fork': async (call: Call, id: unknown, options?: unknown) => {
      const sessionId = checkId(id, 'session id');
      const o = checkOptions(options, 'fork options', ['throughSeq', 'id', 'title']);
      const fork = {
        throughSeq: o.throughSeq === undefined ? undefined : checkCount(o.throughSeq, 'throughSeq'),
        id: checkOptionalId(o.id, 'fork id'),
        title: o.title === undefined ? undefined : checkString(o.title, 'fork title'),
      };
      return engine.write('forking a session', (ctx) => forkSession(ctx, sessionId, fork), call.callId);
    },

    'events.append': async (call: Call, sessionId: unknown, input: unknown, options?: unknown) => {
      const id = checkId(sessionId, 'session id');
      const records = toEventRecords(input, 'event input');
      const o = checkOptions(options, 'append options', ['expectedRevision', 'createSession']);
      const opts = {
        expectedRevision: checkExpectedRevision(o.expectedRevision, 'expectedRevision'),
        createSession: o.createSession === undefined ? true : checkBoolean(o.createSession, 'createSession'),
      };
      return engine.write(
        'appending events',
        (ctx) => appendEvents(ctx, id, records, opts),
        call.callId,
        EVENTS_REPLAY,
      );
    },
    'events.get': async (_call: Call, id: unknown) => {
      const eventId = checkId(id, 'event id');
      return engine.read('reading an event', (db) => getEvent(db, eventId));
    },
    'events.list': async (_call: Call, sessionId: unknown, options?: unknown) => {
      const id = checkId(sessionId, 'session id');
      const o = checkOptions(options, 'event list options', [
        'afterSeq',
        'beforeSeq',
        'kinds',
        'roles',
        'limit',
        'order',
      ]);
      const query = {
        afterSeq: o.afterSeq === undefined ? undefined : checkCount(o.afterSeq, 'afterSeq'),
        beforeSeq: o.beforeSeq === undefined ? undefined : checkCount(o.beforeSeq, 'beforeSeq'),
        kinds: optionalKinds(o.kinds, 'kinds'),
        roles: optionalRoles(o.roles, 'roles'),
        limit: checkLimit(o.limit, 'limit', 100, 10_000),
        order:
          o.order === undefined ? ('asc' as const) : checkEnum(o.order, 'order', ['asc', 'desc'] as const),
      };
      return engine.read('listing events', (db) => listEvents(db, id, query));
    },
    'events.tail': async (_call: Call, sessionId: unknown, n: unknown) => {
      const id = checkId(sessionId, 'session id');
      const count = checkCount(n, 'tail count', 10_000);
      return engine.read('reading the tail of a session', (db) => tailEvents(db, id, count));
    },
    'events.patch': async (call: Call, id: unknown, patch: unknown) => {
      const eventId = checkId(id, 'event id');
      const record = toEventPatch(patch);
      return engine.write(
        'patching an event',
        (ctx) => patchEvent(ctx, eventId, record),
        call.callId,
        EVENT_REPLAY,
      );
    },
    'events.truncate': async (call: Call, sessionId: unknown, options: unknown) => {
      const id = checkId(sessionId, 'session id');
      if (options === undefined)
        throw invalid('truncate options must be an object with keepLast, got undefined');
      const o = checkOptions(options, 'truncate options', ['keepLast']);
      const keepLast = checkCount(o.keepLast, 'keepLast');
      return engine.write('truncating a session', (ctx) => truncateEvents(ctx, id, keepLast), call.callId);
    },
    'events.replace': async (call: Call, sessionId: unknown, input: unknown, options: unknown) => {
      const id = checkId(sessionId, 'session id');
      if (!Array.isArray(input))
        throw invalid(`replace input must be an array of events, got ${describeValue(input)}`);
      const records = checkArray(input, 'replace input').map((v, i) => toEventRecord(v, `event input[${i}]`));
      if (options === undefined)
        throw invalid('replace options must be an object with expectedRevision, got undefined');
      const o = checkOptions(options, 'replace options', ['expectedRevision']);
      const expected = checkCount(o.expectedRevision, 'expectedRevision');
      return engine.write(
        'replacing a transcript',
        (ctx) => replaceEvents(ctx, id, records, expected),
        call.callId,
        EVENTS_REPLAY,
      );
    },
    'events.messages': async (_call: Call, sessionId: unknown, options?: unknown) => {
      const id = checkId(sessionId, 'session id');
      const o = checkOptions(options, 'messages options', ['format', 'maxTokens', 'includeSummary']);
      const opts = {
        format:
          o.format === undefined
            ? ('openai' as const)
            : checkEnum(o.format, 'format', ['openai', 'anthropic'] as const),
        maxTokens: o.maxTokens === undefined ? undefined : checkCount(o.maxTokens, 'maxTokens'),
        includeSummary:
          o.includeSummary === undefined ? true : checkBoolean(o.includeSummary, 'includeSummary'),
      };
      return engine.read('building messages', (db) => conversation(db, id, opts));
    },

    'artifacts.put': async (call: Call, input: unknown) => {
      const record = await toArtifactRecord(input);
      return engine.write('storing an artifact', (ctx) => putArtifact(ctx, record), call.callId);
    },
    'artifacts.get': async (_call: Call, handle: unknown) => {
      const h = checkHandle(handle);
      return engine.read('reading an artifact', (db) => readArtifact(db, h));
    },
    'artifacts.text': async (_call: Call, handle: unknown) => {
      const h = checkHandle(handle);
      const bytes = await engine.read('reading an artifact', (db) => readArtifact(db, h));
      return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    },
    'artifacts.ref': async (_call: Call, handle: unknown) => {
      const h = checkHandle(handle);
      return engine.read('reading an artifact', (db) => artifactRef(db, h));
    },
    'artifacts.list': async (_call: Call, options?: unknown) => {
      const o = checkOptions(options, 'artifact list options', ['sessionId', 'limit', 'offset']);
      const query = {
        sessionId: checkOptionalId(o.sessionId, 'sessionId'),
        limit: checkLimit(o.limit, 'limit', 50, 1000),
        offset: checkLimit(o.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
      };
      return engine.read('listing artifacts', (db) => listArtifacts(db, query));
    },
    'artifacts.delete': async (call: Call, handle: unknown) => {
      const h = checkHandle(handle);
      return engine.write('deleting an artifact', (ctx) => deleteArtifact(ctx, h), call.callId);
    },
    'artifacts.drilldown': async (_call: Call, handle: unknown, selector: unknown) => {
      const h = checkHandle(handle);
      // Checked here, before the call is queued, like every other argument (the engine checks again).
      readingInput('drilldown selector', () => parseSelector(selector, h));
      return engine.read('drilling down into an artifact', (db) => drilldownArtifact(db, h, selector));
    },

    search: async (_call: Call, query: unknown, options?: unknown) => {
      const text = checkString(query, 'search query');
      const o = checkOptions(options, 'search options', [
        'sessionId',
        'kinds',
        'roles',
        'limit',
        'offset',
        'syntax',
      ]);
      const q = {
        query: text,
        syntax:
          o.syntax === undefined
            ? ('plain' as const)
            : checkEnum(o.syntax, 'syntax', ['plain', 'fts5'] as const),
        sessionId: checkOptionalId(o.sessionId, 'sessionId'),
        kinds: optionalKinds(o.kinds, 'kinds'),
        roles: optionalRoles(o.roles, 'roles'),
        limit: checkLimit(o.limit, 'limit', 20, 200),
        offset: checkLimit(o.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
      };
      if (text.trim() === '') return [];
      return engine.search('searching', (db) => searchEvents(db, q));
    },
    info: async (_call: Call): Promise<EngineInfo> =>
      engine.read('reading store info', (db) => {
        const c = db.get(COUNTS)!;
        return {
          name: engine.name,
          backend: engine.backend,
          durability: engine.durability,
          schemaVersion: SCHEMA_VERSION,
          sqliteVersion: db.sqlite3.version.libVersion,
          counts: {
            sessions: c.sessions as number,
            events: c.events as number,
            artifacts: c.artifacts as number,
          },
          storedBytes: engine.storedBytes(),
          recovery: engine.recovery,
        };
      }),
    exportJSONL: async (_call: Call, options?: unknown) => {
      const o = checkOptions(options, 'export options', ['sessionIds']);
      const ids =
        o.sessionIds === undefined ? undefined : checkStringList(o.sessionIds, 'sessionIds', checkId);
      return engine.read('exporting JSONL', (db) => exportJsonl(db, ids));
    },
    importJSONL: async (_call: Call, source: unknown) => {
      const input = assertBlobOrString(source);
      return engine.exclusive((access) => importJsonl(access, input));
    },
    exportDatabase: async (_call: Call) =>
      engine.read('exporting the database', (db) => {
        const bytes = db.sqlite3.capi.sqlite3_js_db_export(db.raw);
        // A WAL-mode header (bytes 18–19 = 2) makes the copy unopenable where no WAL can exist
        // (sqlite3_deserialize, read-only media); the image itself is complete, so mark it rollback-mode.
        if (bytes.length >= 20) bytes[18] = bytes[19] = 1;
        return bytes;
      }),
  });
}

/**
 * Every rejection is a ThreadkeepError. Engine work maps its own errors; what else can throw is
 * reading the caller's arguments (a throwing getter, a Proxy trap), which is a bad argument.
 */
function guardArguments<T extends Record<string, (call: Call, ...args: never[]) => Promise<unknown>>>(
  table: T,
): T {
  for (const name of Object.keys(table) as Array<keyof T & string>) {
    const handler = table[name]!;
    table[name] = (async (call: Call, ...args: never[]) => {
      try {
        return await handler(call, ...args);
      } catch (error) {
        if (error instanceof ThreadkeepError) throw error;
        const reason = error instanceof Error ? error.message : describeValue(error);
        throw invalid(`the arguments of ${name} could not be read: ${reason}`);
      }
    }) as T[keyof T & string];
  }
  return table;
}

export type Handlers = ReturnType<typeof createHandlers>;
export type Method = keyof Handlers;
/** A method's arguments as the public API takes them (without the call context). */
export type ArgsOf<M extends Method> = Handlers[M] extends (call: Call, ...args: infer A) => unknown
  ? A
  : never;
export type ResultOf<M extends Method> = Awaited<ReturnType<Handlers[M]>>;
/** Runs one public call somewhere: in this thread, in a worker, or in the leader tab. */
export type Invoke = <M extends Method>(method: M, args: ArgsOf<M>) => Promise<ResultOf<M>>;

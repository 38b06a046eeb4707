/** Fuzz positions of artifacts, search, subscribe, export/import, openStore and deleteStore. */
import { expect } from 'vitest';
import { deleteStore, openStore } from '../../../src/inprocess/open-store.js';
import { artifactField, field, type Obj, type Position, ROLES, SKIP, STORE_NAME } from './fuzz-position.js';
import {
  anything,
  bag,
  boolean,
  count,
  func,
  handle,
  id,
  jsonlSource,
  jsonObject,
  label,
  list,
  oneOf,
  optional,
  text,
} from './fuzz-values.js';

export const STORE_POSITIONS: Position[] = [
  {
    name: 'artifacts.put input',
    field: ['artifact input', 'artifact data'],
    judge: bag(['data', 'mime', 'name', 'handle', 'sessionId', 'eventId', 'metadata'], ['data'], false),
    writes: true,
    call: (store, v) => store.artifacts.put(v as never),
  },
  artifactField(
    'data',
    (v) =>
      typeof v === 'string' || v instanceof Uint8Array || v instanceof ArrayBuffer || v instanceof Blob
        ? { accept: true, stored: SKIP }
        : { accept: false },
    {
      field: ['artifact data'],
      check: async (store, r, v) => {
        const h = field(r, 'handle') as string;
        const bytes =
          typeof v === 'string'
            ? new TextEncoder().encode(v)
            : v instanceof Blob
              ? new Uint8Array(await v.arrayBuffer())
              : new Uint8Array(v as ArrayBuffer);
        const stored = await store.artifacts.get(h);
        // Buffer.compare, since toEqual walks 10 MB one element at a time.
        expect(stored && Buffer.compare(stored, bytes)).toBe(0);
        expect(field(r, 'size')).toBe(bytes.length);
        if (typeof v === 'string' && v.isWellFormed()) expect(await store.artifacts.text(h)).toBe(v);
      },
    },
  ),
  artifactField('name', optional(text, null), { field: ['artifact name'] }),
  artifactField('mime', optional(label, SKIP), { field: ['artifact mime'] }),
  artifactField('handle', optional(handle, SKIP), { field: ['artifact handle'], codes: ['DUPLICATE_ID'] }),
  artifactField('sessionId', optional(id, null), { field: ['artifact sessionId'] }),
  artifactField('eventId', optional(id, null), { field: ['artifact eventId'] }),
  artifactField('metadata', optional(jsonObject, {}), { field: ['artifact metadata'] }),
  ...(['get', 'text', 'ref'] as const).map(
    (method): Position => ({
      name: `artifacts.${method} handle`,
      field: ['artifact handle'],
      judge: handle,
      call: (store, v) => store.artifacts[method](v as never),
      check: (_s, r) => expect(r).toBeUndefined(),
    }),
  ),
  {
    name: 'artifacts.delete handle',
    field: ['artifact handle'],
    judge: handle,
    writes: true,
    call: (store, v) => store.artifacts.delete(v as never),
    check: (_s, r) => expect(r).toBe(false),
  },
  {
    name: 'artifacts.drilldown handle',
    field: ['artifact handle'],
    judge: handle,
    codes: ['NOT_FOUND'],
    call: (store, v) => store.artifacts.drilldown(v as never, { head: 1 }),
  },
  {
    name: 'artifacts.drilldown selector',
    field: ['selector'],
    judge: anything,
    call: (store, v) => store.artifacts.drilldown('art-csv', v as never),
    check: (_s, r) => expect(typeof r).toBe('string'),
  },
  {
    name: 'artifacts.list options',
    field: ['artifact list options'],
    judge: bag(['sessionId', 'limit', 'offset']),
    call: (store, v) => store.artifacts.list(v as never),
  },
  ...(
    [
      ['sessionId', optional(id, SKIP)],
      ['limit', optional(count(1000), SKIP)],
      ['offset', optional(count(), SKIP)],
    ] as const
  ).map(
    ([key, judge]): Position => ({
      name: `artifacts.list options.${key}`,
      field: [key],
      judge,
      call: (store, v) => store.artifacts.list({ [key]: v } as never),
    }),
  ),

  // Search.
  {
    name: 'search query (plain)',
    field: ['search query'],
    judge: text,
    call: (store, v) => store.search(v as never),
    check: (_s, r) => expect(Array.isArray(r)).toBe(true),
  },
  {
    name: 'search query (fts5)',
    field: ['search query'],
    judge: text,
    codes: ['INVALID_QUERY'],
    call: (store, v) => store.search(v as never, { syntax: 'fts5' }),
  },
  {
    name: 'search options',
    field: ['search options'],
    judge: bag(['sessionId', 'kinds', 'roles', 'limit', 'offset', 'syntax']),
    call: (store, v) => store.search('hello', v as never),
  },
  ...(
    [
      ['sessionId', optional(id, SKIP)],
      ['kinds', optional(list(label), SKIP)],
      ['roles', optional(list(oneOf(...ROLES)), SKIP)],
      ['limit', optional(count(200), SKIP)],
      ['offset', optional(count(), SKIP)],
      ['syntax', optional(oneOf('plain', 'fts5'), SKIP)],
    ] as const
  ).map(
    ([key, judge]): Position => ({
      name: `search options.${key}`,
      field: [key],
      judge,
      call: (store, v) => store.search('hello', { [key]: v } as never),
      check: (_s, r) => expect(Array.isArray(r)).toBe(true),
    }),
  ),

  // The store itself.
  {
    name: 'subscribe listener',
    field: ['listener'],
    judge: func,
    call: async (store, v) => {
      const off = store.subscribe(v as never);
      off();
      return true;
    },
  },
  {
    name: 'subscribe filter',
    field: ['subscribe filter'],
    judge: bag(['sessionId']),
    call: async (store, v) => store.subscribe(() => {}, v as never)(),
  },
  {
    name: 'subscribe filter.sessionId',
    field: ['sessionId'],
    judge: optional(id, SKIP),
    call: async (store, v) => store.subscribe(() => {}, { sessionId: v } as never)(),
  },
  {
    name: 'exportJSONL options',
    field: ['export options'],
    judge: bag(['sessionIds']),
    call: (store, v) => store.exportJSONL(v as never),
  },
  {
    name: 'exportJSONL options.sessionIds',
    field: ['sessionIds'],
    judge: optional(list(id), SKIP),
    call: (store, v) => store.exportJSONL({ sessionIds: v } as never),
    check: (_s, r) => expect(r).toBeInstanceOf(Blob),
  },
  {
    name: 'importJSONL source',
    field: ['importJSONL'],
    judge: jsonlSource,
    writes: true,
    call: (store, v) => store.importJSONL(v as never),
    check: (_s, r) => {
      const report = r as Obj;
      expect(report).toEqual({
        sessions: 0,
        events: 0,
        artifacts: 0,
        skipped: expect.any(Number),
        errors: expect.any(Array),
      });
    },
  },
  {
    name: 'openStore options',
    field: ['openStore options'],
    judge: bag(['name', 'backend', 'durability', 'requestPersistence', 'storage']),
    call: (_store, v) => openAndClose(v),
  },
  {
    name: 'openStore options.name',
    field: ['store name'],
    judge: optional(STORE_NAME, 'default'),
    call: (_store, v) => openAndClose({ backend: 'memory', name: v }),
    readBack: async (_s, r) => [field(r, 'name')],
  },
  ...(
    [
      ['backend', optional(oneOf('auto', 'memory', 'kv', 'opfs', 'indexeddb'), SKIP)],
      ['durability', optional(oneOf('normal', 'strict'), SKIP)],
      ['requestPersistence', optional(boolean, SKIP)],
    ] as const
  ).map(
    ([key, judge]): Position => ({
      name: `openStore options.${key}`,
      field: [key],
      judge,
      codes: ['BACKEND_UNAVAILABLE'],
      call: (_store, v) => openAndClose({ ...(key !== 'backend' && { backend: 'memory' }), [key]: v }),
    }),
  ),
  {
    name: 'openStore options.storage',
    field: ['storage'],
    judge: (v) =>
      v === undefined ||
      (typeof v === 'object' &&
        v !== null &&
        ['get', 'set', 'delete', 'list'].every((m) => typeof (v as Obj)[m] === 'function'))
        ? { accept: true, stored: SKIP }
        : { accept: false },
    call: (_store, v) => openAndClose({ backend: 'memory', storage: v }),
  },
  {
    name: 'deleteStore name',
    field: ['store name'],
    judge: optional(STORE_NAME, SKIP),
    call: (_store, v) => deleteStore(v as never),
  },
];

async function openAndClose(options: unknown): Promise<unknown> {
  const store = await openStore(options as never);
  try {
    return await store.info();
  } finally {
    await store.close();
  }
}

/** Fuzz positions of `store.events`: append and its fields, get, list, tail, patch, truncate, replace, messages. */
import { expect } from 'vitest';
import {
  EVENT_KEYS,
  eventField,
  field,
  type Obj,
  type Position,
  patchField,
  ROLES,
  SKIP,
  sorted,
  tokens,
  withKey,
} from './fuzz-position.js';
import {
  bag,
  boolean,
  count,
  handle,
  id,
  json,
  jsonObject,
  label,
  list,
  oneOf,
  optional,
  time,
} from './fuzz-values.js';

export const EVENT_POSITIONS: Position[] = [
  {
    name: 'events.append sessionId',
    field: ['session id'],
    judge: id,
    writes: true,
    call: (store, v) => store.events.append(v as never, { content: 'x' }),
    readBack: async (store, r) => {
      const [e] = r as Obj[];
      return [e!.sessionId, (await store.sessions.get(e!.sessionId as string))?.id];
    },
  },
  {
    name: 'events.append input',
    field: ['event input'],
    judge: (v) => (Array.isArray(v) ? list(bag(EVENT_KEYS, [], false))(v) : bag(EVENT_KEYS, [], false)(v)),
    writes: true,
    call: (store, v) => store.events.append('base', v as never),
  },
  eventField('id', optional(id, SKIP), { codes: ['DUPLICATE_ID'] }),
  eventField('kind', optional(label, 'message')),
  eventField('role', optional(oneOf(...ROLES), null)),
  eventField('content', optional(json, null)),
  eventField('toolCalls', optional(list(bag(['id', 'name', 'arguments'], ['id', 'name'], false)), [])),
  ...(['id', 'name', 'arguments'] as const).map((key) =>
    eventField(`toolCalls[0].${key}`, key === 'arguments' ? optional(json, {}) : key === 'id' ? id : label, {
      call: (store, v) =>
        store.events.append('base', { toolCalls: [withKey({ id: 'c1', name: 'lookup' }, key, v)] } as never),
      readBack: async (store, r) => {
        const [e] = r as Obj[];
        const stored = await store.events.get(e!.id as string);
        return [field((e!.toolCalls as Obj[])[0], key), field(stored!.toolCalls[0], key)];
      },
    }),
  ),
  ...(['toolCallId', 'parentId', 'requestId'] as const).map((key) => eventField(key, optional(id, null))),
  eventField('tokens', optional(tokens, 0)),
  eventField('metadata', optional(jsonObject, {})),
  eventField('artifacts', optional(list(handle), [])),
  eventField('status', optional(oneOf('complete', 'partial'), 'complete')),
  eventField('createdAt', optional(time, SKIP)),
  {
    name: 'events.append options',
    field: ['append options'],
    judge: bag(['expectedRevision', 'createSession']),
    writes: true,
    call: (store, v) => store.events.append('base', { content: 'x' }, v as never),
  },
  {
    name: 'events.append options.expectedRevision',
    field: ['expectedRevision'],
    judge: optional(count(), SKIP),
    writes: true,
    codes: ['REVISION_CONFLICT'],
    call: (store, v) => store.events.append('base', { content: 'x' }, { expectedRevision: v } as never),
  },
  {
    name: 'events.append options.createSession',
    field: ['createSession'],
    judge: optional(boolean, SKIP),
    writes: true,
    call: (store, v) => store.events.append('base', { content: 'x' }, { createSession: v } as never),
  },
  { name: 'events.get id', field: ['event id'], judge: id, call: (store, v) => store.events.get(v as never) },
  {
    name: 'events.list sessionId',
    field: ['session id'],
    judge: id,
    call: (store, v) => store.events.list(v as never),
  },
  {
    name: 'events.list options',
    field: ['event list options'],
    judge: bag(['afterSeq', 'beforeSeq', 'kinds', 'roles', 'limit', 'order']),
    call: (store, v) => store.events.list('base', v as never),
  },
  ...(['afterSeq', 'beforeSeq'] as const).map(
    (key): Position => ({
      name: `events.list options.${key}`,
      field: [key],
      judge: optional(count(), SKIP),
      call: (store, v) => store.events.list('base', { [key]: v } as never),
      check: (_s, r, v) => {
        const seqs = (r as Obj[]).map((e) => e.seq as number);
        const n = v as number | undefined;
        const want = [1, 2].filter((s) => n === undefined || (key === 'afterSeq' ? s > n : s < n));
        expect(seqs).toEqual(want);
      },
    }),
  ),
  {
    name: 'events.list options.kinds',
    field: ['kinds'],
    judge: optional(list(label), SKIP),
    call: (store, v) => store.events.list('base', { kinds: v } as never),
    check: (_s, r, v) => {
      for (const e of r as Obj[]) expect(v === undefined || (v as unknown[]).includes(e.kind)).toBe(true);
    },
  },
  {
    name: 'events.list options.roles',
    field: ['roles'],
    judge: optional(list(oneOf(...ROLES)), SKIP),
    call: (store, v) => store.events.list('base', { roles: v } as never),
    check: (_s, r, v) => {
      for (const e of r as Obj[]) expect(v === undefined || (v as unknown[]).includes(e.role)).toBe(true);
    },
  },
  {
    name: 'events.list options.limit',
    field: ['limit'],
    judge: optional(count(10_000), SKIP),
    call: (store, v) => store.events.list('base', { limit: v } as never),
    check: (_s, r, v) =>
      expect((r as unknown[]).length).toBe(Math.min(2, (v as number | undefined) ?? 100) + 0),
  },
  {
    name: 'events.list options.order',
    field: ['order'],
    judge: optional(oneOf('asc', 'desc'), SKIP),
    call: (store, v) => store.events.list('base', { order: v } as never),
    check: (_s, r, v) =>
      expect(
        sorted(
          (r as Obj[]).map((e) => e.seq as number),
          (v as 'asc' | 'desc' | undefined) ?? 'asc',
        ),
      ).toBe(true),
  },
  {
    name: 'events.tail sessionId',
    field: ['session id'],
    judge: id,
    call: (store, v) => store.events.tail(v as never, 5),
  },
  {
    name: 'events.tail n',
    field: ['tail count'],
    judge: count(10_000),
    call: (store, v) => store.events.tail('base', v as never),
    check: (_s, r, v) => expect((r as unknown[]).length).toBe(Math.min(2, v as number) + 0),
  },
  {
    name: 'events.patch id',
    field: ['event id'],
    judge: id,
    writes: true,
    codes: ['NOT_FOUND'],
    call: (store, v) => store.events.patch(v as never, { content: 'x' }),
  },
  {
    name: 'events.patch patch',
    field: ['event patch'],
    judge: bag(['content', 'tokens', 'metadata', 'status'], [], false),
    writes: true,
    codes: ['IMMUTABLE_EVENT'],
    call: (store, v) => store.events.patch('ev-partial', v as never),
  },
  patchField('content', optional(json, SKIP)),
  patchField('tokens', optional(tokens, SKIP)),
  patchField('metadata', optional(jsonObject, SKIP)),
  patchField('status', optional(oneOf('partial'), SKIP)),
  {
    name: 'events.truncate sessionId',
    field: ['session id'],
    judge: id,
    writes: true,
    call: (store, v) => store.events.truncate(v as never, { keepLast: 1 }),
    check: (_s, r) => expect(r).toBe(0),
  },
  {
    name: 'events.truncate options',
    field: ['truncate options', 'keepLast'],
    judge: bag(['keepLast'], ['keepLast'], false),
    writes: true,
    call: (store, v) => store.events.truncate('base', v as never),
  },
  {
    name: 'events.truncate options.keepLast',
    field: ['keepLast'],
    judge: count(),
    writes: true,
    call: async (store, v) => {
      const before = (await store.sessions.get('base'))!.eventCount;
      const removed = await store.events.truncate('base', { keepLast: v } as never);
      return { before, removed };
    },
    check: (_s, r, v) =>
      expect(field(r, 'removed')).toBe(Math.max(0, (field(r, 'before') as number) - (v as number))),
  },
  {
    name: 'events.replace sessionId',
    field: ['session id'],
    judge: id,
    writes: true,
    codes: ['NOT_FOUND', 'REVISION_CONFLICT'],
    call: (store, v) => store.events.replace(v as never, [], { expectedRevision: 0 }),
  },
  {
    name: 'events.replace input',
    field: ['replace input', 'event input'],
    judge: list(bag(EVENT_KEYS, [], false)),
    writes: true,
    call: async (store, v) =>
      store.events.replace('base', v as never, {
        expectedRevision: (await store.sessions.get('base'))!.revision,
      }),
  },
  {
    name: 'events.replace input[0].content',
    field: ['content'],
    judge: optional(json, null),
    writes: true,
    call: async (store, v) =>
      store.events.replace('base', [{ content: v }] as never, {
        expectedRevision: (await store.sessions.get('base'))!.revision,
      }),
    readBack: async (store, r) => {
      const [e] = r as Obj[];
      return [e!.content, (await store.events.get(e!.id as string))?.content];
    },
  },
  {
    name: 'events.replace options',
    field: ['replace options', 'expectedRevision'],
    judge: bag(['expectedRevision'], ['expectedRevision'], false),
    writes: true,
    codes: ['REVISION_CONFLICT'],
    call: (store, v) => store.events.replace('base', [], v as never),
  },
  {
    name: 'events.replace options.expectedRevision',
    field: ['expectedRevision'],
    judge: count(),
    writes: true,
    codes: ['REVISION_CONFLICT'],
    call: (store, v) => store.events.replace('base', [], { expectedRevision: v } as never),
  },
  {
    name: 'events.messages sessionId',
    field: ['session id'],
    judge: id,
    call: (store, v) => store.events.messages(v as never),
  },
  {
    name: 'events.messages options',
    field: ['messages options'],
    judge: bag(['format', 'maxTokens', 'includeSummary']),
    call: (store, v) => store.events.messages('base', v as never),
  },
  ...(
    [
      ['format', optional(oneOf('openai', 'anthropic'), SKIP)],
      ['maxTokens', optional(count(), SKIP)],
      ['includeSummary', optional(boolean, SKIP)],
    ] as const
  ).map(
    ([key, judge]): Position => ({
      name: `events.messages options.${key}`,
      field: [key],
      judge,
      call: (store, v) => store.events.messages('base', { [key]: v } as never),
      check: (_s, r) => expect(Array.isArray(r)).toBe(true),
    }),
  ),
];

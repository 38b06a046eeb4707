/** Fuzz positions of `store.sessions`: create, get, list, update, delete, fork. */
import { expect } from 'vitest';
import { field, type Obj, type Position, SKIP, sessionField } from './fuzz-position.js';
import { bag, count, id, jsonObject, nullableText, optional, text, time } from './fuzz-values.js';

export const SESSION_POSITIONS: Position[] = [
  {
    name: 'sessions.create input',
    field: ['session input'],
    judge: bag(['id', 'title', 'summary', 'metadata']),
    writes: true,
    call: (store, v) => store.sessions.create(v as never),
  },
  {
    name: 'sessions.create input.id',
    field: ['session id'],
    judge: optional(id, SKIP),
    writes: true,
    codes: ['DUPLICATE_ID'],
    call: (store, v) => store.sessions.create({ id: v } as never),
    ...sessionField('id'),
  },
  ...(['title', 'summary'] as const).map(
    (key): Position => ({
      name: `sessions.create input.${key}`,
      field: [key],
      judge: optional(text, null),
      call: (store, v) => store.sessions.create({ [key]: v } as never),
      ...sessionField(key),
    }),
  ),
  {
    name: 'sessions.create input.metadata',
    field: ['metadata'],
    judge: optional(jsonObject, {}),
    call: (store, v) => store.sessions.create({ metadata: v } as never),
    ...sessionField('metadata'),
  },
  {
    name: 'sessions.get id',
    field: ['session id'],
    judge: id,
    call: (store, v) => store.sessions.get(v as never),
  },
  {
    name: 'sessions.list options',
    field: ['session list options'],
    judge: bag(['limit', 'offset', 'updatedAfter', 'createdAfter']),
    call: (store, v) => store.sessions.list(v as never),
  },
  {
    name: 'sessions.list options.limit',
    field: ['limit'],
    judge: optional(count(1000), SKIP),
    call: (store, v) => store.sessions.list({ limit: v } as never),
    check: (_s, r, v) => expect((r as unknown[]).length).toBeLessThanOrEqual((v as number | undefined) ?? 50),
  },
  {
    name: 'sessions.list options.offset',
    field: ['offset'],
    judge: optional(count(), SKIP),
    call: (store, v) => store.sessions.list({ offset: v } as never),
  },
  ...(['updatedAfter', 'createdAfter'] as const).map(
    (key): Position => ({
      name: `sessions.list options.${key}`,
      field: [key],
      judge: optional(time, SKIP),
      call: (store, v) => store.sessions.list({ [key]: v } as never),
      check: (_s, r, v) => {
        const at = key === 'updatedAfter' ? 'updatedAt' : 'createdAt';
        for (const s of r as Obj[])
          expect(s[at] as number).toBeGreaterThan((v as number | undefined) ?? -Infinity);
        if (v === undefined || (v as number) < 0) expect((r as unknown[]).length).toBeGreaterThan(0);
      },
    }),
  ),
  {
    name: 'sessions.update id',
    field: ['session id'],
    judge: id,
    writes: true,
    codes: ['NOT_FOUND'],
    call: (store, v) => store.sessions.update(v as never, { title: 't' }),
  },
  {
    name: 'sessions.update patch',
    field: ['session patch'],
    judge: bag(['title', 'summary', 'metadata', 'expectedRevision'], [], false),
    writes: true,
    call: (store, v) => store.sessions.update('base', v as never),
  },
  ...(['title', 'summary'] as const).map(
    (key): Position => ({
      name: `sessions.update patch.${key}`,
      field: [key],
      judge: optional(nullableText, SKIP),
      call: (store, v) => store.sessions.update('base', { [key]: v } as never),
      ...sessionField(key),
    }),
  ),
  {
    name: 'sessions.update patch.metadata',
    field: ['metadata'],
    judge: optional(jsonObject, SKIP),
    writes: true,
    call: (store, v) => store.sessions.update('base', { metadata: v } as never),
    readBack: async (store, r) => [field(r, 'metadata'), field(await store.sessions.get('base'), 'metadata')],
  },
  {
    name: 'sessions.update patch.expectedRevision',
    field: ['expectedRevision'],
    judge: optional(count(), SKIP),
    writes: true,
    codes: ['REVISION_CONFLICT'],
    call: (store, v) => store.sessions.update('base', { title: 'r', expectedRevision: v } as never),
  },
  {
    name: 'sessions.delete id',
    field: ['session id'],
    judge: id,
    writes: true,
    call: (store, v) => store.sessions.delete(v as never),
    check: (_s, r) => expect(r).toBe(false),
  },
  {
    name: 'sessions.fork id',
    field: ['session id'],
    judge: id,
    writes: true,
    codes: ['NOT_FOUND'],
    call: (store, v) => store.sessions.fork(v as never),
  },
  {
    name: 'sessions.fork options',
    field: ['fork options'],
    judge: bag(['throughSeq', 'id', 'title']),
    writes: true,
    call: (store, v) => store.sessions.fork('base', v as never),
  },
  {
    name: 'sessions.fork options.throughSeq',
    field: ['throughSeq'],
    judge: optional(count(), SKIP),
    writes: true,
    call: (store, v) => store.sessions.fork('base', { throughSeq: v } as never),
    check: (_s, r, v) =>
      expect(field(r, 'metadata')).toMatchObject({
        forkedFrom: { sessionId: 'base', seq: Math.min((v as number | undefined) ?? 2, 2) + 0 },
      }),
  },
  {
    name: 'sessions.fork options.id',
    field: ['fork id'],
    judge: optional(id, SKIP),
    writes: true,
    codes: ['DUPLICATE_ID'],
    call: (store, v) => store.sessions.fork('base', { id: v } as never),
    ...sessionField('id'),
  },
  {
    name: 'sessions.fork options.title',
    field: ['title'],
    judge: optional(text, null),
    call: (store, v) => store.sessions.fork('base', { title: v } as never),
    ...sessionField('title'),
  },
];

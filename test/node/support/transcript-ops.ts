/**
 * Random operations for the property tests: appends (single and batched, with repeated requestIds
 * and given ids), patches, truncates, replaces, forks, creates, updates, deletes and reopens, on a
 * handful of sessions, so that ids collide and retries meet their stored events.
 */
import fc from 'fast-check';
import type { JsonObject, JsonValue } from '../../../src/core/types.js';
import type { EventSpec } from './transcript-model.js';

export const FIXED_SESSIONS = ['s1', 's2', 's3', 'f1', 'f2'];
const EVENT_IDS = ['e1', 'e2', 'e3', 'e4', 'e5'];
const REQUEST_IDS = ['r1', 'r2', 'r3'];

// Strings of any UTF-16 units (lone surrogates and NUL included) and JSON of any shape.
const text = fc.string({ unit: 'binary', maxLength: 6 });
// Keys that mean something to JavaScript objects must still be plain data here.
const key = fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'toString'));
const { json } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    text,
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(key, tie('json'), { maxKeys: 3 }),
  ),
}));
const metadata = fc.dictionary(key, json, { maxKeys: 3 }) as fc.Arbitrary<JsonObject>;
const status = fc.constantFrom('complete' as const, 'complete' as const, 'partial' as const);
const revision = fc.constantFrom('right' as const, 'right' as const, 'wrong' as const);

const spec: fc.Arbitrary<EventSpec> = fc.record(
  {
    id: fc.constantFrom(...EVENT_IDS),
    requestId: fc.constantFrom(...REQUEST_IDS),
    parentId: fc.constantFrom(...EVENT_IDS),
    tokens: fc.nat(1000),
    status,
    content: json,
    createdAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  },
  { requiredKeys: ['tokens', 'status'] },
);
const specs = fc.array(spec, { maxLength: 4 });
// Mostly the same two sessions, so that logs grow and retries meet their stored events.
const session = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, 1) },
  { weight: 1, arbitrary: fc.nat(7) },
);

const op = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        op: fc.constant('append' as const),
        s: session,
        events: specs,
        single: fc.boolean(),
        expected: revision,
        createSession: fc.constantFrom(true, true, false),
      },
      { requiredKeys: ['op', 's', 'events', 'single'] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        op: fc.constant('patch' as const),
        target: fc.integer({ min: -1, max: 40 }),
        content: json,
        tokens: fc.nat(1000),
        status,
      },
      { requiredKeys: ['op', 'target'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('truncate' as const), s: session, keepLast: fc.nat(4) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('replace' as const),
      s: session,
      events: specs,
      expected: revision,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        op: fc.constant('fork' as const),
        s: session,
        throughSeq: fc.nat(12),
        id: fc.constantFrom('f1', 'f2', 's1'),
        title: text,
      },
      { requiredKeys: ['op', 's'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { op: fc.constant('create' as const), s: session, title: text },
      { requiredKeys: ['op', 's'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        op: fc.constant('update' as const),
        s: session,
        title: fc.option(text, { nil: null }),
        summary: fc.option(text, { nil: null }),
        metadata,
        expected: revision,
      },
      { requiredKeys: ['op', 's'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), s: session }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
);
export type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Random steps after two appends that create s1 and s2, so most steps find a session to work on. */
export const steps = (maxLength: number) =>
  fc
    .tuple(specs, specs, fc.array(op, { maxLength }))
    .map(([a, b, rest]): Op[] => [
      { op: 'append', s: 0, events: a.map(({ id, ...e }) => e), single: false },
      { op: 'append', s: 1, events: b.map(({ id, ...e }) => e), single: false },
      ...rest,
    ]);

export const artifact = fc.record(
  {
    data: fc.oneof(text, fc.uint8Array({ maxLength: 40 })),
    name: text,
    mime: fc.constantFrom('text/csv', 'application/json', 'image/png'),
    session,
    eventId: fc.constantFrom(...EVENT_IDS),
    metadata,
  },
  { requiredKeys: ['data'] },
);

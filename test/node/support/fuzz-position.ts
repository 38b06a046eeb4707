/**
 * What the fuzz test needs to know about an argument position of the public API: which method,
 * which part of its arguments, how the oracle judges a value there, and how an accepted value is
 * read back. The positions themselves are listed per area in session-, event- and store-positions.
 */
import type { Store } from '../../../src/core/types.js';
import { count, type Judge } from './fuzz-values.js';

/** An absent value whose stored form is not compared. */
export const SKIP = Symbol('not compared');

export interface Position {
  name: string;
  /** Words naming the argument, one of which a rejection's message must contain. */
  field: string[];
  judge: Judge;
  call(store: Store, v: unknown): Promise<unknown>;
  /** The stored forms of an accepted value, each compared with the verdict's `stored`. */
  readBack?(store: Store, result: unknown, v: unknown): Promise<unknown[]>;
  /** More checks of an accepted call's result. */
  check?(store: Store, result: unknown, v: unknown): Promise<void> | void;
  /** Whether an accepted call may change the store. */
  writes?: boolean;
  /** Codes a valid value may meet here (a repeated id, a stale revision …), besides INVALID_ARGUMENT. */
  codes?: string[];
}

export const EVENT_KEYS = [
  'id',
  'kind',
  'role',
  'content',
  'toolCalls',
  'toolCallId',
  'parentId',
  'requestId',
].concat(['tokens', 'metadata', 'artifacts', 'status', 'createdAt']);
export const ROLES = ['system', 'user', 'assistant', 'tool'];
export const STORE_NAME: Judge = (v) =>
  typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v) ? { accept: true, stored: v } : { accept: false };

/** An event's tokens: a count, though near 2^53 the session's tokenCount (3 and up) would overflow. */
export const tokens: Judge = (v) => {
  const verdict = count()(v);
  return verdict.accept === true && (v as number) > Number.MAX_SAFE_INTEGER - 1_000_000
    ? { accept: 'either', stored: verdict.stored }
    : verdict;
};

/** What every fuzzed store holds before the first call. */
export async function seedStore(store: Store): Promise<void> {
  await store.events.append('base', [
    { id: 'ev-complete', role: 'user', content: 'hello seed world', tokens: 3 },
    { id: 'ev-partial', role: 'assistant', content: 'stream', status: 'partial', requestId: 'req-seed' },
  ]);
  await store.artifacts.put({ handle: 'art-text', data: 'line one\nline two', sessionId: 'base' });
  await store.artifacts.put({ handle: 'art-csv', data: 'a,b\n1,2\n3,4', mime: 'text/csv' });
}

export type Obj = Record<string, unknown>;
export const field = (o: unknown, key: string) => (o as Obj)[key];
/** `{ [key]: v }` without the key when v is undefined is not wanted: an explicit undefined is part of the fuzz. */
export const withKey = (base: Obj, key: string, v: unknown): Obj => ({ ...base, [key]: v });

/** A session field of the call's result, read back from the result and from `sessions.get`. */
export const sessionField = (key: string): Pick<Position, 'writes' | 'readBack'> => ({
  writes: true,
  readBack: async (store, r) => [
    field(r, key),
    field(await store.sessions.get(field(r, 'id') as string), key),
  ],
});

export function eventField(key: string, judge: Judge, extra: Partial<Position> = {}): Position {
  return {
    name: `events.append input.${key}`,
    field: [key],
    judge,
    writes: true,
    call: (store, v) => store.events.append('base', withKey({ content: 'x' }, key, v) as never),
    readBack: async (store, r) => {
      const [e] = r as Obj[];
      return [field(e, key), field(await store.events.get(field(e, 'id') as string), key)];
    },
    ...extra,
  };
}

export function patchField(key: string, judge: Judge): Position {
  return {
    name: `events.patch patch.${key}`,
    field: [key],
    judge,
    writes: true,
    codes: ['IMMUTABLE_EVENT'],
    call: (store, v) => store.events.patch('ev-partial', { [key]: v } as never),
    readBack: async (store, r) => [field(r, key), field(await store.events.get('ev-partial'), key)],
  };
}

export function artifactField(key: string, judge: Judge, extra: Partial<Position> = {}): Position {
  return {
    name: `artifacts.put input.${key}`,
    field: [key],
    judge,
    writes: true,
    call: (store, v) => store.artifacts.put(withKey({ data: 'payload' }, key, v) as never),
    readBack: async (store, r) => [
      field(r, key),
      field(await store.artifacts.ref(field(r, 'handle') as string), key),
    ],
    ...extra,
  };
}

export const sorted = (xs: number[], order: 'asc' | 'desc') =>
  xs.every((x, i) => i === 0 || (order === 'asc' ? xs[i - 1]! < x : xs[i - 1]! > x));

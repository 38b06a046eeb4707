/**
 * Bad-input fuzzing of every public method: hand-written nasty values and fast-check `anything()`
 * in every argument position (support/fuzz-positions.ts). Each call must either succeed with a
 * value that reads back exactly, or reject with INVALID_ARGUMENT naming the argument and the value
 * (support/fuzz-values.ts says which). Never another error type, never a hang; after a rejection
 * the store is unchanged and still works.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ThreadkeepError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/types.js';
import { openStore } from '../../src/inprocess/open-store.js';
import { EVENT_POSITIONS } from './support/event-positions.js';
import { type Position, SKIP, seedStore } from './support/fuzz-position.js';
import { anyValue, NASTY_VALUES, type Verdict } from './support/fuzz-values.js';
import { SESSION_POSITIONS } from './support/session-positions.js';
import { STORE_POSITIONS } from './support/store-positions.js';
import { exportBody } from './support/store-snapshot.js';

const CALL_LIMIT_MS = 20_000;

/** Strict equality for stored values: -0 is not 0, a missing key is not an undefined one. */
function same(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected !== 'object' || expected === null) {
    if (!Object.is(actual, expected)) {
      throw new Error(`${path}: stored ${show(actual)}, expected ${show(expected)}`);
    }
    return;
  }
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual) !== Array.isArray(expected)) {
    throw new Error(`${path}: stored ${show(actual)}, expected ${show(expected)}`);
  }
  if (!Array.isArray(actual) && Object.getPrototypeOf(actual) !== Object.prototype) {
    throw new Error(`${path}: a stored object has a prototype other than Object.prototype`);
  }
  const a = Object.keys(actual);
  const e = Object.keys(expected);
  if (a.length !== e.length || e.some((k) => !Object.hasOwn(actual, k))) {
    throw new Error(`${path}: stored keys ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`);
  }
  for (const k of e)
    same((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
}
function show(v: unknown): string {
  if (Object.is(v, -0)) return '-0';
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function timeLimit<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not settle in ${CALL_LIMIT_MS} ms`)),
      CALL_LIMIT_MS,
    );
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

let liveCounter = 0;
/**
 * A normal append and a search that finds it: the store still works. The session is deleted
 * again, so the store's export is as before (the next call's check would show any trace).
 */
async function expectAlive(store: Store): Promise<void> {
  const word = `alive${++liveCounter}x`;
  const [event] = await store.events.append('live', { content: `${word} check` });
  const hits = await store.search(word);
  expect(hits.map((h) => h.event.id)).toEqual([event!.id]);
  expect(await store.sessions.delete('live')).toBe(true);
}

/** A store under fuzz and its export body as last seen, so each call costs one export, not two. */
interface Target {
  store: Store;
  snapshot: string;
}

async function probe(target: Target, position: Position, value: unknown, label: string, hints?: string[]) {
  const { store, snapshot: before } = target;
  const what = `${position.name} with ${label}`;
  let verdict: Verdict;
  try {
    verdict = position.judge(value);
  } catch {
    verdict = { accept: false }; // the value cannot even be looked at (a hostile Proxy)
  }
  let result: unknown;
  let error: unknown;
  let settled = false;
  try {
    // A sync throw (subscribe) counts like a rejection.
    result = await timeLimit(
      Promise.resolve().then(() => position.call(store, value)),
      what,
    );
    settled = true;
  } catch (e) {
    error = e;
  }
  if (!settled) {
    if (!(error instanceof ThreadkeepError))
      throw new Error(`${what} threw ${String(error)}, not a ThreadkeepError`);
    const { code, message } = error;
    expect(error.name).toBe('ThreadkeepError');
    if (code !== 'INVALID_ARGUMENT') {
      expect(position.codes ?? [], `${what} rejected with ${code}: ${message}`).toContain(code);
      expect(verdict.accept, `${what} must be INVALID_ARGUMENT, got ${code}: ${message}`).not.toBe(false);
    } else {
      expect(verdict.accept, `${what} was refused, but it is valid: ${message}`).not.toBe(true);
      const lower = message.toLowerCase();
      expect(
        position.field.some((f) => lower.includes(f.toLowerCase())),
        `${what}: message does not name ${position.field.join(' / ')}: ${message}`,
      ).toBe(true);
      if (hints) {
        expect(
          hints.some((h) => lower.includes(h.toLowerCase())),
          `${what}: message does not show the value (${hints.join(' / ')}): ${message}`,
        ).toBe(true);
      }
      expect(message.length, `${what}: message of ${message.length} characters`).toBeLessThan(1000);
    }
    expect(await exportBody(store), `${what} was refused but changed the store`).toBe(before);
    await expectAlive(store);
    return;
  }
  if (verdict.accept === false)
    throw new Error(`${what} was accepted, but must be refused with INVALID_ARGUMENT`);
  if (position.readBack && verdict.stored !== SKIP) {
    for (const stored of await position.readBack(store, result, value)) {
      try {
        same(stored, verdict.stored);
      } catch (e) {
        throw new Error(`${what} did not read back as given: ${(e as Error).message}`);
      }
    }
  }
  await position.check?.(store, result, value);
  const after = await exportBody(store);
  if (!position.writes) expect(after, `${what} only reads, but changed the store`).toBe(before);
  target.snapshot = after;
}

let storeCounter = 0;
async function freshStore(): Promise<Store> {
  const store = await openStore({ name: `fuzz-${process.pid}-${++storeCounter}`, backend: 'memory' });
  await seedStore(store);
  return store;
}

const pristine = Object.getOwnPropertyNames(Object.prototype).sort();
afterAll(() => {
  // No input may have reached Object.prototype.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pristine);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

const POSITIONS = [...SESSION_POSITIONS, ...EVENT_POSITIONS, ...STORE_POSITIONS];

describe('bad input', () => {
  it.each(POSITIONS.map((p) => [p.name, p] as const))('%s', async (_name, position) => {
    const store = await freshStore();
    const target = { store, snapshot: await exportBody(store) };
    try {
      await fc.assert(
        fc.asyncProperty(anyValue, async (value) =>
          probe(target, position, value, `anything() ${show(value)}`),
        ),
        { numRuns: 12 },
      );
      for (const nasty of NASTY_VALUES) await probe(target, position, nasty.make(), nasty.label, nasty.hints);
    } finally {
      await store.close();
    }
  });
});

describe('numbers SQLite cannot hold exactly', () => {
  it('refuses a tokenCount past 2^53 from append, patch and replace, and changes nothing', async () => {
    const store = await freshStore(); // 'base' holds tokens 3 (complete) and 0 (partial), revision 1
    try {
      const before = await exportBody(store);
      const max = Number.MAX_SAFE_INTEGER;
      const calls = [
        () => store.events.append('base', { tokens: max }),
        () => store.events.append('fresh', [{ tokens: max }, { tokens: 1 }]),
        () => store.events.patch('ev-partial', { tokens: max - 2 }),
        () => store.events.replace('base', [{ tokens: max }, { tokens: 1 }], { expectedRevision: 1 }),
      ];
      for (const call of calls) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ThreadkeepError);
        expect(error).toMatchObject({
          code: 'INVALID_ARGUMENT',
          message: expect.stringContaining('tokenCount'),
        });
        expect(await exportBody(store)).toBe(before);
      }
      await store.events.append('at-limit', [{ tokens: max - 1 }, { tokens: 1 }]);
      const session = await store.sessions.get('at-limit');
      expect(session!.tokenCount).toBe(max);
      expect((await store.events.patch('ev-partial', { tokens: max - 3 })).tokens).toBe(max - 3);
      expect((await store.sessions.get('base'))!.tokenCount).toBe(max);
      expect(await exportBody(store)).toContain(`"tokenCount":${max}`);
    } finally {
      await store.close();
    }
  });

  it('keeps times exact inside Date range and refuses the ones SQLite would wrap', async () => {
    const store = await freshStore();
    try {
      for (const createdAt of [8.64e15, -8.64e15, 1234.5, 2 ** 52 + 0.5, Number.MIN_VALUE]) {
        const [e] = await store.events.append('times', { createdAt });
        expect((await store.events.get(e!.id))!.createdAt).toBe(createdAt);
      }
      const before = await exportBody(store);
      for (const createdAt of [8.64e15 + 1, 2 ** 60, 2 ** 64, 1e308, -1e308]) {
        await expect(store.events.append('times', { createdAt })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        await expect(store.sessions.list({ updatedAfter: createdAt })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      }
      expect(await exportBody(store)).toBe(before);
    } finally {
      await store.close();
    }
  });
});

import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { type JournaledDatabase, openJournaledDatabase } from '../../src/backends/journal/index.js';
import { memoryStorage } from '../../src/backends/memory-storage.js';
import type { KeyValueStorage } from '../../src/core/types.js';

let sqlite3: Sqlite3Static;
beforeAll(async () => {
  sqlite3 = await sqlite3InitModule();
});

const OPTIONS = { prefix: 'model/', maxValueBytes: 8192 };

/**
 * Memory storage that can break, as when the disk goes away: then deletes fail, and sets fail
 * either all (`'all'`) or only for a record's own key, the part written last (`'base'`), so the
 * parts before it land and a crash leaves a torn record behind.
 */
function breakable() {
  const inner = memoryStorage();
  const state = { broken: false as false | 'all' | 'base', sets: 0 };
  const fail = () => {
    throw new Error('the storage went away');
  };
  const storage: KeyValueStorage = {
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    async set(key, value) {
      if (state.broken === 'all' || (state.broken === 'base' && /\/j\/\d+$/.test(key))) fail();
      state.sets++;
      await inner.set(key, value);
    },
    async delete(key) {
      if (state.broken) fail();
      await inner.delete(key);
    },
  };
  return { storage, state };
}

type Op =
  | { kind: 'write'; inserts: string[]; update: number; remove: number }
  | { kind: 'failedWrite'; body: string; crash: boolean; mode: 'all' | 'base' }
  | { kind: 'compact' }
  | { kind: 'vacuum' }
  | { kind: 'reopen' };

const body = fc.integer({ min: 1, max: 6000 }).map((n) => 'b'.repeat(n));
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      inserts: fc.array(body, { maxLength: 4 }),
      update: fc.nat(),
      remove: fc.nat(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('failedWrite' as const),
      body,
      crash: fc.boolean(),
      mode: fc.constantFrom('all' as const, 'base' as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'vacuum' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

function contents(j: JournaledDatabase): Array<[number, number]> {
  return j.db.selectArrays('SELECT id, length(body) FROM t ORDER BY id') as Array<[number, number]>;
}

describe('journaled database against a model', () => {
  test('after any mix of commits, failed commits, crashes, compactions and reopens, the store holds exactly the acknowledged state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const { storage, state } = breakable();
        let j = await openJournaledDatabase(sqlite3, storage, OPTIONS);
        j.db.exec(
          'CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX t_body ON t(length(body))',
        );
        await j.commit();
        let durable = contents(j);
        for (const step of ops) {
          if (step.kind === 'write') {
            j.db.transaction((db) => {
              for (const text of step.inserts)
                db.exec({ sql: 'INSERT INTO t(body) VALUES (?)', bind: [text] });
              db.exec({
                sql: "UPDATE t SET body = body || 'u' WHERE id = ?",
                bind: [1 + (step.update % 50)],
              });
              db.exec({ sql: 'DELETE FROM t WHERE id = ?', bind: [1 + (step.remove % 50)] });
            });
            await j.commit();
            durable = contents(j);
          } else if (step.kind === 'failedWrite') {
            j.db.exec({ sql: 'INSERT INTO t(body) VALUES (?)', bind: [step.body] });
            state.broken = step.mode;
            await expect(j.commit()).rejects.toMatchObject({ code: 'INTERNAL' });
            if (step.crash) {
              // The process dies here: whatever parts reached storage form a torn tail.
              await j.close();
              state.broken = false;
              j = await openJournaledDatabase(sqlite3, storage, OPTIONS);
            } else {
              state.broken = false;
              j.rollback();
            }
            expect(contents(j)).toEqual(durable);
          } else if (step.kind === 'compact') {
            await j.compact({ force: true });
          } else if (step.kind === 'vacuum') {
            j.db.exec('VACUUM');
            await j.commit();
          } else {
            await j.close();
            j = await openJournaledDatabase(sqlite3, storage, OPTIONS);
            expect(contents(j)).toEqual(durable);
          }
        }
        await j.close();
        const final = await openJournaledDatabase(sqlite3, storage, OPTIONS);
        expect(contents(final)).toEqual(durable);
        expect(final.db.selectValue('PRAGMA integrity_check')).toBe('ok');
        await final.close();
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  test('a transaction SQLite rolled back itself stores nothing', async () => {
    const { storage, state } = breakable();
    const j = await openJournaledDatabase(sqlite3, storage, OPTIONS);
    j.db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)');
    await j.commit();
    const sets = state.sets;
    j.db.exec("BEGIN; INSERT INTO t(body) VALUES ('never'); ROLLBACK;");
    await j.commit();
    expect(state.sets).toBe(sets);
    await j.close();
  });

  test('a second open of the same store in this realm is refused until the first closes', async () => {
    const storage = memoryStorage();
    const first = await openJournaledDatabase(sqlite3, storage, OPTIONS);
    await expect(openJournaledDatabase(sqlite3, storage, OPTIONS)).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    const other = await openJournaledDatabase(sqlite3, storage, { ...OPTIONS, prefix: 'model-2/' });
    await other.close();
    await first.close();
    await (await openJournaledDatabase(sqlite3, storage, OPTIONS)).close();
  });

  test('commit() inside an open transaction, or after close, rejects', async () => {
    const j = await openJournaledDatabase(sqlite3, memoryStorage(), OPTIONS);
    j.db.exec('BEGIN; CREATE TABLE t(x);');
    await expect(j.commit()).rejects.toMatchObject({ code: 'INTERNAL' });
    j.db.exec('COMMIT');
    await j.commit();
    await j.close();
    await j.close(); // idempotent
    await expect(j.commit()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

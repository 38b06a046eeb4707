import sqlite3InitModule, { type Database, type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { beforeAll, describe, expect, test } from 'vitest';
import { type JournaledDatabase, openJournaledDatabase } from '../../src/backends/journal/index.js';
import { memoryStorage } from '../../src/backends/memory-storage.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import type { KeyValueStorage } from '../../src/core/types.js';

let sqlite3: Sqlite3Static;
beforeAll(async () => {
  sqlite3 = await sqlite3InitModule();
});

const PREFIX = 'threadkeep/test/';
const SCHEMA = `
  CREATE TABLE events(id INTEGER PRIMARY KEY, session TEXT NOT NULL, body TEXT NOT NULL);
  CREATE INDEX events_session ON events(session);
  CREATE VIRTUAL TABLE events_fts USING fts5(body);`;

/** Storage that counts what is written and can be told to fail, like a full disk. */
function instrumented(inner: KeyValueStorage) {
  const stats = { sets: 0, bytes: 0, largest: 0, failSets: false, delayMs: 0 };
  const storage: KeyValueStorage = {
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    delete: (key) => inner.delete(key),
    async set(key, value) {
      if (stats.delayMs) await new Promise((resolve) => setTimeout(resolve, stats.delayMs));
      if (stats.failSets)
        throw Object.assign(new Error('the quota has been exceeded'), { name: 'QuotaExceededError' });
      stats.sets++;
      stats.bytes += value.length;
      stats.largest = Math.max(stats.largest, value.length);
      await inner.set(key, value);
    },
  };
  return { storage, stats };
}

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
function sentence(rnd: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');
}

function insertEvent(db: Database, session: string, body: string): void {
  db.exec({ sql: 'INSERT INTO events(session, body) VALUES (?, ?)', bind: [session, body] });
  db.exec({ sql: 'INSERT INTO events_fts(rowid, body) VALUES (last_insert_rowid(), ?)', bind: [body] });
}

/** One transaction, then its commit: the way the engine drives a journaled database. */
async function transact(j: JournaledDatabase, work: (db: Database) => void): Promise<void> {
  j.db.transaction((db) => work(db));
  await j.commit();
}

function image(j: JournaledDatabase): Uint8Array {
  return sqlite3.capi.sqlite3_js_db_export(j.db);
}

/** toEqual walks a typed array element by element, far too slowly for megabytes. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  const length = Math.min(actual.length, expected.length);
  let at = 0;
  while (at < length && actual[at] === expected[at]) at++;
  expect({ length: actual.length, firstDifference: at === length ? -1 : at }).toEqual({
    length: expected.length,
    firstDifference: -1,
  });
}

function summary(db: Database) {
  return {
    events: db.selectValue('SELECT count(*) FROM events'),
    hits: db.selectValue("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'delta AND echo'"),
    integrity: db.selectValue('PRAGMA integrity_check'),
    fts: db.selectValue("INSERT INTO events_fts(events_fts) VALUES ('integrity-check') RETURNING 1") ?? 'ok',
  };
}

async function fill(j: JournaledDatabase, bytes: number, rowBytes = 2000): Promise<void> {
  const rows = Math.ceil(bytes / rowBytes);
  await transact(j, (db) =>
    db.exec(`WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${rows})
             INSERT INTO events(session, body) SELECT 's' || (x % 97), hex(randomblob(${rowBytes / 2})) FROM n`),
  );
}

describe('journaled database', () => {
  test('many transactions survive close and reopen byte for byte, FTS5 shadow tables included', async () => {
    const storage = memoryStorage();
    const j = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    await transact(j, (db) => db.exec(SCHEMA));
    const rnd = random(1);
    for (let i = 0; i < 300; i++) {
      await transact(j, (db) => {
        const op = rnd();
        if (op < 0.6 || i < 20) {
          for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) insertEvent(db, `s${i % 7}`, sentence(rnd, 30));
        } else if (op < 0.85) {
          db.exec({
            sql: 'UPDATE events SET body = ? WHERE id = ?',
            bind: [sentence(rnd, 60), 1 + Math.floor(rnd() * i)],
          });
        } else {
          const id = 1 + Math.floor(rnd() * i);
          db.exec({ sql: 'DELETE FROM events WHERE id = ?', bind: [id] });
          db.exec({ sql: 'DELETE FROM events_fts WHERE rowid = ?', bind: [id] });
        }
      });
    }
    const before = image(j);
    const expected = summary(j.db);
    expect(expected.integrity).toBe('ok');
    expect(expected.hits).toBeGreaterThan(10);
    await j.close();

    const reopened = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    expectSameBytes(image(reopened), before);
    expect(summary(reopened.db)).toEqual(expected);
    await reopened.close();
  });

  test('a database of many chunks, compacted and changed again, reopens identical', async () => {
    const { storage, stats } = instrumented(memoryStorage());
    const j = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    await transact(j, (db) => db.exec(SCHEMA));
    await fill(j, 3_000_000); // about 12 chunks of 256 KiB
    await j.compact(); // over 4 MiB of journal? not yet: nothing happens
    const keysBefore = await storage.list(`${PREFIX}c/`);
    expect(keysBefore).toEqual([]);
    await j.compact({ force: true });
    expect((await storage.list(`${PREFIX}c/`)).length).toBeGreaterThan(10);
    expect(await storage.list(`${PREFIX}j/`)).toEqual([]);

    const rnd = random(2);
    for (let i = 0; i < 30; i++) await transact(j, (db) => insertEvent(db, 's1', sentence(rnd, 20)));
    await transact(j, (db) =>
      db.exec('DELETE FROM events WHERE id % 3 = 0; DELETE FROM events_fts WHERE rowid % 3 = 0'),
    );
    const setsBefore = stats.sets;
    await j.compact({ force: true });
    expect(stats.sets).toBeGreaterThan(setsBefore); // it folded the new records
    await transact(j, (db) => insertEvent(db, 's2', 'after the second compaction'));
    const before = image(j);
    const expected = summary(j.db);
    await j.close();

    const reopened = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    expectSameBytes(image(reopened), before);
    expect(summary(reopened.db)).toEqual(expected);
    expect((await storage.list(`${PREFIX}j/`)).length).toBe(1);
    await reopened.close();
  });

  test('VACUUM shrinks the file; the shrink survives compaction and reopen', async () => {
    const storage = memoryStorage();
    const j = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    await transact(j, (db) => db.exec(SCHEMA));
    await fill(j, 2_000_000);
    await j.compact({ force: true });
    const chunksBefore = (await storage.list(`${PREFIX}c/`)).length;
    await transact(j, (db) => db.exec('DELETE FROM events WHERE id > 50'));
    j.db.exec('VACUUM');
    await j.commit();
    const pages = j.db.selectValue('PRAGMA page_count') as number;
    expect(pages).toBeLessThan(100);
    await j.compact({ force: true });
    expect((await storage.list(`${PREFIX}c/`)).length).toBeLessThan(chunksBefore);
    const before = image(j);
    await j.close();
    const reopened = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    expectSameBytes(image(reopened), before);
    expect(reopened.db.selectValue('PRAGMA page_count')).toBe(pages);
    await reopened.close();
  });

  test('commits stored while a compaction runs are not lost (fuzzy snapshots)', async () => {
    const { storage, stats } = instrumented(memoryStorage());
    const j = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    await transact(j, (db) => db.exec(SCHEMA));
    await fill(j, 1_500_000);
    const rnd = random(3);
    stats.delayMs = 2;
    const compaction = j.compact({ force: true });
    for (let i = 0; i < 20; i++) {
      await transact(j, (db) => {
        db.exec({
          sql: 'UPDATE events SET body = ? WHERE id = ?',
          bind: [sentence(rnd, 40), 1 + Math.floor(rnd() * 700)],
        });
        insertEvent(db, 's3', sentence(rnd, 10));
      });
    }
    await compaction;
    stats.delayMs = 0;
    const before = image(j);
    await j.close();
    const reopened = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    expectSameBytes(image(reopened), before);
    expect(reopened.db.selectValue('PRAGMA integrity_check')).toBe('ok');
    await reopened.close();
  });

  test('a failed commit rejects; rollback restores the last durable state and the next write persists', async () => {
    const { storage, stats } = instrumented(memoryStorage());
    const j = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    await transact(j, (db) => db.exec(SCHEMA));
    await fill(j, 400_000);
    await transact(j, (db) => insertEvent(db, 'kept', 'durable row'));
    const durable = image(j);
    const count = j.db.selectValue('SELECT count(*) FROM events');

    stats.failSets = true;
    j.db.transaction((db) => {
      insertEvent(db, 'lost', 'this row never reaches storage');
      db.exec("UPDATE events SET body = 'changed' WHERE id < 100");
      db.exec('CREATE TABLE extra(x)');
    });
    const failure = await j.commit().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ThreadkeepError);
    expect((failure as ThreadkeepError).code).toBe('QUOTA_EXCEEDED');
    // Until rollback, no new write transaction may build on the unsettled pages.
    expect(() => j.db.exec("INSERT INTO events(session, body) VALUES ('x', 'y')")).toThrow(/locked/);
    j.rollback();
    expect(j.db.selectValue('SELECT count(*) FROM events')).toBe(count);
    expect(j.db.selectValue("SELECT count(*) FROM events WHERE body = 'changed'")).toBe(0);
    expect(j.db.selectValue("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'")).toBe(0);
    expect(j.db.selectValue('PRAGMA integrity_check')).toBe('ok');
    expectSameBytes(image(j), durable);

    stats.failSets = false;
    await transact(j, (db) => insertEvent(db, 'next', 'written after the failure'));
    const after = image(j);
    await j.close();
    const reopened = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    expectSameBytes(image(reopened), after);
    expect(reopened.db.selectValue("SELECT count(*) FROM events WHERE session IN ('lost', 'next')")).toBe(1);
    await reopened.close();
  });

  test('with maxValueBytes 65536 no stored value is larger, and the store round-trips', async () => {
    const { storage, stats } = instrumented(memoryStorage());
    const options = { prefix: PREFIX, maxValueBytes: 65536 };
    const j = await openJournaledDatabase(sqlite3, storage, options);
    await transact(j, (db) => db.exec(SCHEMA));
    await fill(j, 1_000_000);
    await j.compact({ force: true });
    await transact(j, (db) => insertEvent(db, 'big', 'x'.repeat(200_000)));
    const before = image(j);
    await j.close();
    expect(stats.largest).toBeLessThanOrEqual(65536);
    expect(stats.largest).toBeGreaterThan(60_000); // it did split, not just write small values
    const reopened = await openJournaledDatabase(sqlite3, storage, options);
    expectSameBytes(image(reopened), before);
    await reopened.close();
  });

  test('bytes stored per single-row commit do not grow with the database (1 MB vs 50 MB)', async () => {
    const { storage, stats } = instrumented(memoryStorage());
    const j = await openJournaledDatabase(sqlite3, storage, { prefix: PREFIX });
    await transact(j, (db) => db.exec(SCHEMA));
    const rnd = random(4);
    const perCommit = async (): Promise<number> => {
      const start = stats.bytes;
      for (let i = 0; i < 20; i++)
        await transact(j, (db) => insertEvent(db, `s${i % 97}`, sentence(rnd, 40)));
      return (stats.bytes - start) / 20;
    };
    await fill(j, 1_000_000);
    await j.compact({ force: true });
    const small = await perCommit();
    await fill(j, 49_000_000);
    await j.compact({ force: true });
    expect(j.db.selectValue('PRAGMA page_count')).toBeGreaterThan(12_000);
    const large = await perCommit();
    expect(small).toBeLessThan(40_000);
    expect(large).toBeLessThan(small * 1.25); // measured: 29.6 kB vs 31.4 kB
    // Folding those 20 commits rewrites the chunks they touched, not the 50 MB.
    const start = stats.bytes;
    await j.compact({ force: true });
    expect(stats.bytes - start).toBeLessThan(2_000_000); // measured: 1.5 MB of 50 MB
    await j.close();
  }, 120_000);
});

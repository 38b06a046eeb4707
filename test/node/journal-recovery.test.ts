import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  deleteJournaled,
  type JournaledDatabase,
  openJournaledDatabase,
} from '../../src/backends/journal/index.js';
import { encodeManifest, encodeRecord } from '../../src/backends/journal/journal-format.js';
import { ValueStore } from '../../src/backends/journal/value-store.js';
import { type MemoryStorage, memoryStorage } from '../../src/backends/memory-storage.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import type { KeyValueStorage } from '../../src/core/types.js';

let sqlite3: Sqlite3Static;
beforeAll(async () => {
  sqlite3 = await sqlite3InitModule();
});

const PREFIX = 'threadkeep/rec/';
const SMALL_VALUES = { prefix: PREFIX, maxValueBytes: 8192 };

function rows(j: JournaledDatabase): unknown[] {
  return j.db.selectValues('SELECT body FROM t ORDER BY id');
}

/** A store with a table and `commits` single-row commits; the last one `lastBytes` long. */
async function build(storage: KeyValueStorage, commits: number, lastBytes = 10): Promise<JournaledDatabase> {
  const j = await openJournaledDatabase(sqlite3, storage, SMALL_VALUES);
  j.db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)');
  await j.commit();
  for (let i = 1; i <= commits; i++) {
    j.db.exec({
      sql: 'INSERT INTO t(body) VALUES (?)',
      bind: [i === commits ? 'x'.repeat(lastBytes) : `row ${i}`],
    });
    await j.commit();
  }
  return j;
}

function journalKeys(storage: MemoryStorage): string[] {
  return [...storage.entries.keys()].filter((key) => key.startsWith(`${PREFIX}j/`)).sort();
}

function flip(bytes: Uint8Array): void {
  bytes[bytes.length >> 1]! ^= 0xff;
}

function snapshot(storage: MemoryStorage): Map<string, string> {
  return new Map([...storage.entries].map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
}

async function expectCorrupt(storage: MemoryStorage, pattern: RegExp): Promise<void> {
  const before = snapshot(storage);
  const error = await openJournaledDatabase(sqlite3, storage, SMALL_VALUES).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ThreadkeepError);
  expect((error as ThreadkeepError).code).toBe('CORRUPT');
  expect((error as ThreadkeepError).message).toMatch(pattern);
  expect(snapshot(storage)).toEqual(before);
}

describe('journal recovery', () => {
  test.each([
    ['its last part is missing', (s: MemoryStorage, last: string[]) => s.entries.delete(last.at(-1)!)],
    [
      'its first part (written last) is missing',
      (s: MemoryStorage, last: string[]) => s.entries.delete(last[0]!),
    ],
    ['a byte of it is damaged', (s: MemoryStorage, last: string[]) => flip(s.entries.get(last.at(-1)!)!)],
  ])('a torn tail record (%s) is dropped: the store reopens as before it', async (_, tear) => {
    const storage = memoryStorage();
    const j = await build(storage, 5, 30_000);
    j.db.exec('DELETE FROM t WHERE id = 5');
    const before = rows(j).slice(0, 4);
    await j.close();
    const tail = journalKeys(storage).filter((key) => key.startsWith(`${PREFIX}j/000000000006`));
    expect(tail.length).toBeGreaterThan(1); // the 30 kB row made it a multi-part record
    tear(storage, tail);

    const reopened = await openJournaledDatabase(sqlite3, storage, SMALL_VALUES);
    expect(rows(reopened)).toEqual(before);
    expect(journalKeys(storage).some((key) => key.includes('/000000000006'))).toBe(false);
    reopened.db.exec("INSERT INTO t(body) VALUES ('after the tear')");
    await reopened.commit();
    await reopened.close();
    const again = await openJournaledDatabase(sqlite3, storage, SMALL_VALUES);
    expect(rows(again)).toEqual([...before, 'after the tear']);
    expect(again.db.selectValue('PRAGMA integrity_check')).toBe('ok');
    await again.close();
  });

  test('a damaged record followed by good ones is CORRUPT, and storage is left untouched', async () => {
    const storage = memoryStorage();
    await (await build(storage, 5)).close();
    storage.entries.get(`${PREFIX}j/000000000003`)![40]! ^= 0x01;
    await expectCorrupt(
      storage,
      /journal record 3 is damaged: its checksum does not match its bytes but later records exist/,
    );
  });

  test('a missing record between others is CORRUPT', async () => {
    const storage = memoryStorage();
    await (await build(storage, 5)).close();
    for (const key of journalKeys(storage)) if (key.includes('/000000000002')) storage.entries.delete(key);
    await expectCorrupt(storage, /journal record 2 is missing while record 3 exists/);
  });

  test('a missing or damaged manifest is CORRUPT', async () => {
    const storage = memoryStorage();
    await (await build(storage, 3)).close();
    const manifest = storage.entries.get(`${PREFIX}m`)!;
    storage.entries.delete(`${PREFIX}m`);
    await expectCorrupt(storage, /manifest is missing/);
    storage.entries.set(`${PREFIX}m`, manifest.subarray(0, 10));
    await expectCorrupt(storage, /manifest is unreadable/);
  });

  test('a well-formed journal whose bytes are not an SQLite database is CORRUPT', async () => {
    const storage = memoryStorage();
    const values = new ValueStore(storage, PREFIX, 8192);
    await values.write(
      'm',
      encodeManifest({ chunkBlocks: 16, generation: 0, dbSize: 0, foldedSeq: 0, chunkGens: [] }),
    );
    const garbage = new Uint8Array(4096).fill(7);
    await values.write(
      'j/000000000001',
      encodeRecord({
        seq: 1,
        dbSize: 8192,
        blocks: [
          [0, garbage],
          [1, garbage],
        ],
      }),
    );
    await expectCorrupt(storage, /does not start with the SQLite header/);
  });

  test('keys of other stores, even with a longer prefix, are neither read nor deleted', async () => {
    const storage = memoryStorage();
    await (await build(storage, 3)).close();
    const other = await openJournaledDatabase(sqlite3, storage, { prefix: 'threadkeep/rec-2/' });
    other.db.exec('CREATE TABLE u(x)');
    await other.commit();
    await other.close();
    await deleteJournaled(storage, PREFIX);
    expect([...storage.entries.keys()].every((key) => key.startsWith('threadkeep/rec-2/'))).toBe(true);
    const fresh = await openJournaledDatabase(sqlite3, storage, SMALL_VALUES);
    expect(fresh.db.selectValue("SELECT count(*) FROM sqlite_schema WHERE name = 't'")).toBe(0);
    await fresh.close();
    const kept = await openJournaledDatabase(sqlite3, storage, { prefix: 'threadkeep/rec-2/' });
    expect(kept.db.selectValue("SELECT count(*) FROM sqlite_schema WHERE name = 'u'")).toBe(1);
    await kept.close();
  });
});

describe('interrupted writes', () => {
  /** Storage whose set/delete fail for keys matching `failing`, optionally after storing. */
  function faulty(inner: MemoryStorage) {
    const faults = {
      set: undefined as RegExp | undefined,
      delete: undefined as RegExp | undefined,
      landThenFail: false,
    };
    const storage: KeyValueStorage = {
      get: (key) => inner.get(key),
      list: (prefix) => inner.list(prefix),
      async set(key, value) {
        if (faults.set?.test(key)) {
          if (faults.landThenFail) await inner.set(key, value);
          throw new Error(`I/O error writing ${key}`);
        }
        await inner.set(key, value);
      },
      async delete(key) {
        if (faults.delete?.test(key)) throw new Error(`I/O error deleting ${key}`);
        await inner.delete(key);
      },
    };
    return { storage, faults };
  }

  test('a compaction that fails before its manifest switch leaves the store as it was', async () => {
    const inner = memoryStorage();
    const { storage, faults } = faulty(inner);
    const j = await build(storage, 40, 20_000);
    const expected = rows(j);
    faults.set = /\/m$/;
    await expect(j.compact({ force: true })).rejects.toMatchObject({ code: 'INTERNAL' });
    faults.set = undefined;
    await j.close();
    const reopened = await openJournaledDatabase(sqlite3, inner, SMALL_VALUES);
    expect(rows(reopened)).toEqual(expected);
    expect(await inner.list(`${PREFIX}c/`)).toEqual([]); // the new snapshots were garbage
    await reopened.close();
  });

  test('a compaction whose deletions fail leaves garbage that the next open removes', async () => {
    const inner = memoryStorage();
    const { storage, faults } = faulty(inner);
    const j = await build(storage, 40, 20_000);
    const expected = rows(j);
    faults.delete = /\/j\//;
    await expect(j.compact({ force: true })).rejects.toMatchObject({ code: 'INTERNAL' });
    faults.delete = undefined;
    await j.close();
    expect(journalKeys(inner).length).toBeGreaterThan(40); // folded records are still there
    const reopened = await openJournaledDatabase(sqlite3, inner, SMALL_VALUES);
    expect(rows(reopened)).toEqual(expected);
    expect(journalKeys(inner)).toEqual([]);
    const stored = [...inner.entries]
      .filter(([key]) => key.startsWith(PREFIX))
      .reduce((n, [, v]) => n + v.length, 0);
    expect(reopened.storedBytes()).toBe(stored);
    await reopened.close();
  });

  test('a commit whose write landed but was reported failed is not resurrected after rollback', async () => {
    const inner = memoryStorage();
    const { storage, faults } = faulty(inner);
    const j = await build(storage, 3);
    const expected = rows(j);
    faults.set = /\/j\//;
    faults.landThenFail = true;
    j.db.exec("INSERT INTO t(body) VALUES ('reported as failed')");
    await expect(j.commit()).rejects.toBeInstanceOf(ThreadkeepError);
    j.rollback();
    faults.set = undefined;
    expect(rows(j)).toEqual(expected);
    await j.close();
    const reopened = await openJournaledDatabase(sqlite3, inner, SMALL_VALUES);
    expect(rows(reopened)).toEqual(expected);
    await reopened.close();
  });
});

/**
 * Upgrades: a store written by every released schema version (test/fixtures/schema-v*.*) opens with
 * this code, is migrated to SCHEMA_VERSION, keeps every record, and searches — its pending index
 * entries included. A store written by a newer schema is refused with SCHEMA_TOO_NEW and left
 * byte for byte as it was. A new schema version needs only its own fixture files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fileStorage } from '../../src/backends/file-storage.js';
import { readDamagedJournal, replaceJournal } from '../../src/backends/journal/index.js';
import { ValueStore } from '../../src/backends/journal/value-store.js';
import { loadSqlite } from '../../src/backends/load-sqlite.js';
import { memoryStorage } from '../../src/backends/memory-storage.js';
import { openImage } from '../../src/core/damaged-image.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import { SCHEMA_VERSION } from '../../src/core/schema.js';
import type { KeyValueStorage, Store } from '../../src/core/types.js';
import { LIBRARY_VERSION } from '../../src/core/version.js';
import { openStore } from '../../src/inprocess/index.js';
import { readContents } from '../fixtures/dataset.js';
import {
  type Expected,
  expectedContents,
  FIXTURE_NAME,
  fixtureVersions,
  kvFixture,
  kvWithUserVersion,
  sqliteFixture,
  withUserVersion,
  writeSchemaFixtures,
} from '../fixtures/schema-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'threadkeep-upgrade-'));
let dirs = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PREFIX = `threadkeep/${FIXTURE_NAME}/`;

/** A fileStorage directory holding `entries`; returns the directory. */
async function directoryWith(entries: Map<string, Uint8Array>): Promise<string> {
  const dir = join(root, `store-${++dirs}`);
  const storage = fileStorage(dir);
  for (const [key, value] of entries) await storage.set(key, value);
  await storage.unlock();
  return dir;
}

/** A kv store's values holding database `image` (through the journal's own snapshot format). */
async function entriesOfImage(image: Uint8Array): Promise<Map<string, Uint8Array>> {
  const storage = memoryStorage();
  await replaceJournal(new ValueStore(storage, PREFIX, Number.POSITIVE_INFINITY), image);
  return new Map(storage.entries);
}

function filesOf(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((file) => [file, readFileSync(join(dir, file)).toString('base64')]),
  );
}

async function userVersionIn(storage: KeyValueStorage): Promise<number> {
  const sqlite3 = await loadSqlite();
  const { image } = await readDamagedJournal(new ValueStore(storage, PREFIX, Number.POSITIVE_INFINITY));
  const db = openImage(sqlite3, image);
  try {
    return Number(db.selectValue('PRAGMA user_version'));
  } finally {
    db.close();
  }
}

/** Everything a store written at an older version must still give. */
async function expectUpgraded(store: Store, expected: Expected): Promise<void> {
  const info = await store.info();
  expect(info.schemaVersion).toBe(SCHEMA_VERSION);
  // Later versions may add fields; every field the fixture's version wrote must read back the same.
  expect(await readContents(store)).toMatchObject(expected.contents);
  expect(info.counts).toEqual({
    sessions: expected.contents.sessions.length,
    events: expected.contents.events.length,
    artifacts: expected.contents.artifacts.length,
  });
  // Search: events indexed before, and events still in the index queue, are found alike.
  expect(expected.pendingEventIds.length).toBeGreaterThan(0);
  const indexed = expected.contents.events
    .filter((e) => !expected.pendingEventIds.includes(e.id) && typeof e.content === 'string')
    .filter((_, i) => i % 10 === 0);
  for (const event of [
    ...indexed,
    ...expected.contents.events.filter((e) => expected.pendingEventIds.includes(e.id)),
  ]) {
    if (typeof event.content !== 'string') continue;
    const word = event.content.split(' ')[0]!;
    const hits = await store.search(word, { sessionId: event.sessionId });
    expect(
      hits.map((h) => h.event.id),
      `search for ${word}`,
    ).toContain(event.id);
  }
  // It takes writes: the next seq follows the stored last one.
  const session = expected.contents.sessions.find((s) => s.id === 'session-00')!;
  const [appended] = await store.events.append('session-00', { content: 'written after the upgrade' });
  expect(appended!.seq).toBe(session.lastSeq + 1);
}

describe('schema fixtures', () => {
  test.runIf(process.env.THREADKEEP_WRITE_FIXTURES === String(SCHEMA_VERSION))(
    'writes the fixtures of this schema version',
    async () => {
      const sqlite3 = await loadSqlite();
      const expected = await writeSchemaFixtures(sqlite3, SCHEMA_VERSION, LIBRARY_VERSION, (storage) =>
        openStore({ name: FIXTURE_NAME, storage }),
      );
      expect(expected.pendingIndexEntries).toBeGreaterThan(0);
    },
  );

  test('every schema version up to this one has committed fixtures', () => {
    expect(fixtureVersions()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });
});

describe.each(fixtureVersions())('a store written at schema version %i', (version) => {
  test('kv (fileStorage, journal format): opens migrated, keeps every record, searches, takes writes', async () => {
    const expected = expectedContents(version);
    const dir = await directoryWith(kvFixture(version));
    const storage = fileStorage(dir);
    const store = await openStore({ name: FIXTURE_NAME, storage });
    await expectUpgraded(store, expected);
    await store.close();
    expect(await userVersionIn(storage)).toBe(SCHEMA_VERSION);
    await storage.unlock();
    const again = await openStore({ name: FIXTURE_NAME, storage: fileStorage(dir) });
    expect((await again.events.tail('session-00', 1))[0]!.content).toBe('written after the upgrade');
    await again.close();
  });

  test('database file (as OPFS keeps it): opens migrated, keeps every record, searches, takes writes', async () => {
    const expected = expectedContents(version);
    const image = sqliteFixture(version);
    expect(new DataView(image.buffer, image.byteOffset).getUint32(60)).toBe(version);
    const storage = memoryStorage();
    for (const [key, value] of await entriesOfImage(image)) await storage.set(key, value);
    const store = await openStore({ name: FIXTURE_NAME, storage });
    await expectUpgraded(store, expected);
    await store.close();
    expect(await userVersionIn(storage)).toBe(SCHEMA_VERSION);
  });
});

describe('a store written by a newer schema', () => {
  const newest = Math.max(...fixtureVersions());

  test.each([
    [
      'kv (journal format)',
      async () => kvWithUserVersion(await loadSqlite(), kvFixture(newest), FIXTURE_NAME, SCHEMA_VERSION + 1),
    ],
    ['database file', async () => entriesOfImage(withUserVersion(sqliteFixture(newest), SCHEMA_VERSION + 1))],
  ])('%s: refused with SCHEMA_TOO_NEW, byte for byte untouched, with or without recover', async (_, make) => {
    const dir = await directoryWith(await make());
    const before = filesOf(dir);
    for (const recover of [false, true]) {
      const error = await openStore({ name: FIXTURE_NAME, storage: fileStorage(dir), recover }).then(
        async (store) => {
          await store.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ThreadkeepError);
      expect((error as ThreadkeepError).code).toBe('SCHEMA_TOO_NEW');
      expect((error as ThreadkeepError).message).toBe(
        `store "${FIXTURE_NAME}" was written by a newer threadkeep (schema ${SCHEMA_VERSION + 1}; this version knows up to ${SCHEMA_VERSION}); upgrade threadkeep to open it. The store was left untouched.`,
      );
      expect(filesOf(dir)).toEqual(before);
    }
  });
});

/**
 * Damaged stores on the `kv` backend (fileStorage): each case damages a copy of one populated
 * store in one way, then checks that openStore rejects CORRUPT (or the first call that touches
 * the damage does) with a message saying what to do, that the failed open changed no byte, that
 * deleteStore removes everything, and that `recover: true` brings back what is readable — every
 * recovered record exactly as written.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeKey, encodeKey, fileStorage } from '../../src/backends/file-storage.js';
import { readDamagedJournal } from '../../src/backends/journal/index.js';
import {
  decodeManifest,
  encodeRecord,
  parseRecordKey,
  recordKey,
} from '../../src/backends/journal/journal-format.js';
import { ValueStore } from '../../src/backends/journal/value-store.js';
import { openImage } from '../../src/core/damaged-image.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import type { KeyValueStorage, Store } from '../../src/core/types.js';
import { deleteStore, openStore } from '../../src/inprocess/index.js';
import { compareRecovered, populate, readContents, type StoreContents } from '../fixtures/dataset.js';

const NAME = 'damaged';
const PREFIX = `threadkeep/${NAME}/`;
const BLOCK = 4096;

let sqlite3: Sqlite3Static;
let root: string;
let pristine: string;
let written: StoreContents;
let copies = 0;

beforeAll(async () => {
  sqlite3 = await sqlite3InitModule();
  root = mkdtempSync(join(tmpdir(), 'threadkeep-corruption-'));
  pristine = join(root, 'pristine');
  const store = await openStore({ name: NAME, storage: fileStorage(pristine) });
  await populate(store);
  written = await readContents(store);
  await store.close();
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the populated store's directory. */
function copyOfStore(): string {
  const dir = join(root, `case-${++copies}`);
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

/** Every file of the directory, byte for byte. */
function filesOf(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
}

/** Runs `fn` on the directory's storage, then lets go of its lock. */
async function withStorage<T>(
  dir: string,
  fn: (storage: KeyValueStorage, values: ValueStore) => Promise<T>,
): Promise<T> {
  const storage = fileStorage(dir);
  try {
    return await fn(storage, new ValueStore(storage, PREFIX, Number.POSITIVE_INFINITY));
  } finally {
    await storage.unlock();
  }
}

async function imageOf(values: ValueStore): Promise<Uint8Array> {
  const { image, problems } = await readDamagedJournal(values);
  expect(problems).toEqual([]);
  return image;
}

/** Stores a valid journal record (right checksum) that overwrites blocks with `mutate`'s result. */
async function writeDamagedBlocks(
  dir: string,
  indices: number[],
  mutate: (block: Uint8Array, index: number) => void,
): Promise<void> {
  await withStorage(dir, async (_, values) => {
    const image = await imageOf(values);
    const seqs = (await values.list('j/')).map((key) => parseRecordKey(key)!.seq);
    const manifest = await values.read('m');
    if (manifest.status !== 'ok') throw new Error('no manifest');
    const seq = Math.max(decodeManifest(manifest.payload).foldedSeq, ...seqs) + 1;
    const blocks = indices.map((index): [number, Uint8Array] => {
      const block = image.slice(index * BLOCK, (index + 1) * BLOCK);
      mutate(block, index);
      return [index, block];
    });
    await values.write(recordKey(seq), encodeRecord({ seq, dbSize: image.length, blocks }));
  });
}

function writeDamagedBlock(dir: string, index: number, mutate: (block: Uint8Array) => void): Promise<void> {
  return writeDamagedBlocks(dir, [index], mutate);
}

/** Page numbers (1-based) of `table`'s leaf pages in the store's database. */
async function leafPages(dir: string, table: string): Promise<number[]> {
  return withStorage(dir, async (_, values) => {
    const db = openImage(sqlite3, await imageOf(values));
    try {
      return db
        .selectValues(
          `SELECT pageno FROM dbstat WHERE name = '${table}' AND pagetype = 'leaf' ORDER BY pageno`,
        )
        .map(Number);
    } finally {
      db.close();
    }
  });
}

function garbage(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Overwrites 64 bytes in the middle of the middle journal record's file (its checksum then fails). */
function damageMiddleRecord(dir: string): void {
  const records = readdirSync(dir)
    .filter((f) => decodeKey(f.slice(1))?.startsWith(`${PREFIX}j/`))
    .sort();
  expect(records.length).toBeGreaterThan(10);
  const victim = join(dir, records[Math.floor(records.length / 2)]!);
  const bytes = readFileSync(victim);
  bytes.set(garbage(64, 1), Math.floor(bytes.length / 2));
  writeFileSync(victim, bytes);
}

/** [offset, length] of each cell's payload on a table leaf page (page 2 on: no file header). */
function cellPayloads(page: Uint8Array): Array<[number, number]> {
  const varint = (at: number): [number, number] => {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      const byte = page[at + i]!;
      value = value * 128 + (byte & 0x7f);
      if (byte < 0x80) return [value, at + i + 1];
    }
    return [value, at + 9];
  };
  const cells = (page[3]! << 8) | page[4]!;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < cells; i++) {
    const pointer = (page[8 + 2 * i]! << 8) | page[9 + 2 * i]!;
    const [size, afterSize] = varint(pointer);
    const [, afterRowid] = varint(afterSize);
    // Only payloads held whole on the page: an overflowing one also ends in a page number.
    if (afterRowid + size <= page.length) out.push([afterRowid, size]);
  }
  return out;
}

async function openError(dir: string): Promise<ThreadkeepError> {
  const error = await openStore({ name: NAME, storage: fileStorage(dir) }).then(
    async (store) => {
      await store.close();
      throw new Error('the damaged store opened');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ThreadkeepError);
  return error as ThreadkeepError;
}

function expectGuidance(error: ThreadkeepError): void {
  expect(error.code).toBe('CORRUPT');
  expect(error.message).toContain(`openStore({ name: "${NAME}", recover: true })`);
  expect(error.message).toContain(`deleteStore("${NAME}")`);
}

interface Recovered {
  store: Store;
  figures: ReturnType<typeof compareRecovered>;
  ms: number;
}

/** Opens with recover: true and checks what every recovery must hold. */
async function recover(dir: string, label: string): Promise<Recovered> {
  const before = filesOf(dir);
  const started = performance.now();
  const store = await openStore({ name: NAME, storage: fileStorage(dir), recover: true });
  const ms = performance.now() - started;
  const info = await store.info();
  const report = info.recovery;
  expect(report).not.toBeNull();
  const contents = await readContents(store);
  const figures = compareRecovered(written, contents);
  // Whatever came back is exactly what was written.
  expect(figures.events.changed).toEqual([]);
  expect(figures.artifacts.changed).toEqual([]);
  expect(figures.sessions.changed.every((id) => id.startsWith('recovered-'))).toBe(true);
  expect(report!.recovered.events).toBe(contents.events.length);
  expect(info.counts.events).toBe(contents.events.length);
  // The damaged values were kept aside, byte for byte.
  const aside = report!.damagedCopy.match(/"threadkeep\/damaged\/(damaged-\d+\/)"/)?.[1];
  expect(aside).toBeDefined();
  const after = filesOf(dir);
  for (const [file, bytes] of before) {
    if (file === '.lock') continue;
    const key = decodeKey(file.slice(1))!;
    if (key.startsWith(`${PREFIX}damaged-`)) continue; // an earlier recovery's copy stays where it is
    const copy = `k${encodeKey(PREFIX + aside + key.slice(PREFIX.length))}`;
    expect(after.get(copy), `copy of ${key}`).toBe(bytes);
  }
  // Search works over what came back: the index is rebuilt from the recovered events.
  const probe = contents.events.find((e) => typeof e.content === 'string');
  if (probe) {
    const word = (probe.content as string).split(' ')[0]!;
    const hits = await store.search(word);
    expect(hits.map((h) => h.event.id)).toContain(probe.id);
  }
  console.info(
    `[corruption kv] ${label}: events ${figures.events.recovered}/${figures.events.written}, sessions ${contents.sessions.length}/${figures.sessions.written}, artifacts ${figures.artifacts.recovered}/${figures.artifacts.written}, recover ${ms.toFixed(0)} ms; report ${JSON.stringify({ ...report, unreadable: report!.unreadable.slice(0, 4) })}`,
  );
  return { store, figures, ms };
}

/** A recovered store reopens without `recover`, holds the same, and deleteStore removes every byte. */
async function reopenThenDelete(dir: string, recovered: Recovered): Promise<void> {
  const contents = await readContents(recovered.store);
  await recovered.store.close();
  const again = await openStore({ name: NAME, storage: fileStorage(dir) });
  expect((await again.info()).recovery).toBeNull();
  expect(await readContents(again)).toEqual(contents);
  await again.events.append('after-recovery', { content: 'written after the recovery' });
  await again.close();
  await deleteStore(NAME, { storage: fileStorage(dir) });
  expect(readdirSync(dir).filter((f) => f !== '.lock')).toEqual([]);
}

describe('a damaged kv store', () => {
  test('a record file damaged in the middle of the journal: CORRUPT, nothing changed, deleteStore works', async () => {
    const dir = copyOfStore();
    damageMiddleRecord(dir);

    const before = filesOf(dir);
    const error = await openError(dir);
    expectGuidance(error);
    expect(error.message).toMatch(
      /journal record \d+ is damaged: its checksum does not match its bytes but later records exist/,
    );
    expect(filesOf(dir)).toEqual(before);

    // As the message says: deleteStore(name) finds the storage of the store that failed to open.
    await deleteStore(NAME);
    expect(readdirSync(dir).filter((f) => f !== '.lock')).toEqual([]);
  });

  test('a record file damaged in the middle of the journal: recover brings back what the other records hold', async () => {
    const dir = copyOfStore();
    damageMiddleRecord(dir);
    const recovered = await recover(dir, 'journal record damaged');
    expect((await recovered.store.info()).recovery!.unreadable.join('\n')).toMatch(
      /journal record \d+ is damaged/,
    );
    expect(recovered.figures.events.recovered).toBeGreaterThan(0);
    await reopenThenDelete(dir, recovered);
  });

  test('a recovery cut short before its manifest switch leaves the damaged store as it was, and runs again', async () => {
    const dir = copyOfStore();
    damageMiddleRecord(dir);
    const before = filesOf(dir);
    const files = fileStorage(dir);
    let cut = false;
    // The storage fails the one write that would switch the store over, as a closed tab would.
    const storage = {
      get: (key: string) => files.get(key),
      list: (prefix: string) => files.list(prefix),
      delete: (key: string) => files.delete(key),
      set: async (key: string, value: Uint8Array) => {
        if (key === `${PREFIX}m` && !cut) {
          cut = true;
          throw new Error('the tab was closed');
        }
        await files.set(key, value);
      },
      unlock: () => files.unlock(),
    };
    const error = await openStore({ name: NAME, storage, recover: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadkeepError);
    expect((error as ThreadkeepError).message).toMatch(
      /is damaged \(.*\) and recovering it failed: .*the tab was closed/,
    );
    await files.unlock();
    const after = filesOf(dir);
    for (const [file, bytes] of before) expect(after.get(file), file).toBe(bytes);
    expectGuidance(await openError(dir));

    // The second attempt brings back what a first, uncut recovery of the same bytes brings back.
    // (How much that is depends on what the damaged record held, which varies with the data.)
    const twin = copyOfStore();
    damageMiddleRecord(twin);
    const uncut = await recover(twin, 'journal record damaged, uncut recovery of the same bytes');
    await uncut.store.close();
    const recovered = await recover(dir, 'journal record damaged, second attempt after a cut-short recovery');
    expect(recovered.figures.events.recovered).toBeGreaterThan(0);
    const counts = (f: Recovered['figures']) => [
      f.events.recovered,
      f.sessions.recovered,
      f.artifacts.recovered,
    ];
    expect(counts(recovered.figures)).toEqual(counts(uncut.figures));
    await reopenThenDelete(dir, recovered);
  });

  test('the SQLite header damaged (inside a valid journal): CORRUPT; recover rebuilds page 1 and keeps everything', async () => {
    const dir = copyOfStore();
    await writeDamagedBlock(dir, 0, (block) => block.set(garbage(16, 2), 0));
    const before = filesOf(dir);
    const error = await openError(dir);
    expectGuidance(error);
    expect(error.message).toMatch(/does not start with the SQLite header/);
    expect(filesOf(dir)).toEqual(before);
    const recovered = await recover(dir, 'SQLite header damaged');
    expect(recovered.figures.events.recovered).toBe(written.events.length);
    expect(recovered.figures.artifacts.recovered).toBe(written.artifacts.length);
    expect(recovered.figures.sessions.recovered).toBe(written.sessions.length);
    await reopenThenDelete(dir, recovered);
  });

  test('the schema page damaged (inside a valid journal): CORRUPT; recover rebuilds page 1 and keeps everything', async () => {
    const dir = copyOfStore();
    await writeDamagedBlock(dir, 0, (block) => block.set(garbage(BLOCK - 100, 3), 100));
    const before = filesOf(dir);
    const error = await openError(dir);
    expectGuidance(error);
    expect(filesOf(dir)).toEqual(before);
    const recovered = await recover(dir, 'schema page damaged');
    expect(recovered.figures.events.recovered).toBe(written.events.length);
    expect(recovered.figures.artifacts.recovered).toBe(written.artifacts.length);
    await reopenThenDelete(dir, recovered);
  });

  test('an events page damaged (inside a valid journal): the call that reads it rejects CORRUPT; recover skips only that page', async () => {
    const dir = copyOfStore();
    const leaves = await leafPages(dir, 'events');
    expect(leaves.length).toBeGreaterThan(20);
    const page = leaves[Math.floor(leaves.length / 2)]!;
    await writeDamagedBlock(dir, page - 1, (block) => block.set(garbage(BLOCK - 8, 4), 8));
    const before = filesOf(dir);
    // The open reads no events page; the first call that does rejects, and says what to do.
    const store = await openStore({ name: NAME, storage: fileStorage(dir) });
    const failures: ThreadkeepError[] = [];
    for (const session of written.sessions) {
      await store.events.list(session.id, { limit: 10_000 }).catch((e: ThreadkeepError) => failures.push(e));
    }
    expect(failures.length).toBeGreaterThan(0);
    expectGuidance(failures[0]!);
    expect(failures[0]!.message).toMatch(
      /^listing events failed: the stored database of store "damaged" is damaged/,
    );
    await store.close();
    expect(filesOf(dir)).toEqual(before);

    const recovered = await recover(dir, 'events leaf page damaged');
    const report = (await recovered.store.info()).recovery!;
    expect(report.reason).toMatch(/integrity check/);
    expect(report.unreadable.join('\n')).toMatch(/events rows with keys from \d+ to \d+/);
    // One 4 KiB page of ~500-byte events: a handful lost, everything else back.
    const lost = written.events.length - recovered.figures.events.recovered;
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThan(15);
    expect(report.lost.events).toBe(lost);
    expect(recovered.figures.artifacts.recovered).toBe(written.artifacts.length);
    await reopenThenDelete(dir, recovered);
  });

  test('an artifact chunk damaged: recover keeps every event and drops only that artifact', async () => {
    const dir = copyOfStore();
    const leaves = await leafPages(dir, 'artifact_chunks');
    const overflow = await withStorage(dir, async (_, values) => {
      const db = openImage(sqlite3, await imageOf(values));
      try {
        return db
          .selectValues(
            "SELECT pageno FROM dbstat WHERE name = 'artifact_chunks' AND pagetype = 'overflow' ORDER BY pageno",
          )
          .map(Number);
      } finally {
        db.close();
      }
    });
    expect(leaves.length + overflow.length).toBeGreaterThan(100);
    // The first 4 bytes of an overflow page link to the next one: a broken link breaks the chain.
    // (Damage to the data bytes alone leaves every page well-formed, and SQLite cannot see it.)
    await writeDamagedBlock(dir, overflow[Math.floor(overflow.length / 2)]! - 1, (block) =>
      block.set([0x7f, 0xff, 0xff, 0x00], 0),
    );
    const recovered = await recover(dir, 'artifact overflow page damaged');
    expect(recovered.figures.events.recovered).toBe(written.events.length);
    expect(recovered.figures.artifacts.recovered).toBe(written.artifacts.length - 1);
    expect((await recovered.store.info()).recovery!.lost.artifacts).toBe(1);
    expect(await recovered.store.artifacts.ref('big.bin')).toBeUndefined();
    await reopenThenDelete(dir, recovered);
  });

  test('the full-text index damaged inside its data (every page well-formed): search rejects CORRUPT; recover rebuilds it', async () => {
    const dir = copyOfStore();
    // Index everything first, so the index has segments to damage.
    const indexing = await openStore({ name: NAME, storage: fileStorage(dir) });
    await indexing.search('marker0x1');
    await indexing.close();
    const leaves = await leafPages(dir, 'event_fts_data');
    expect(leaves.length).toBeGreaterThan(3);
    // Inside the values, not the page's structure: every page stays well-formed, so only FTS5
    // itself can tell, when a query reads the segment.
    await writeDamagedBlocks(
      dir,
      leaves.map((leaf) => leaf - 1),
      (block, index) => {
        for (const [at, length] of cellPayloads(block)) {
          if (length >= 64) block.set(garbage(16, index), at + (length >> 1));
        }
      },
    );
    const store = await openStore({ name: NAME, storage: fileStorage(dir) });
    const failures: ThreadkeepError[] = [];
    for (let i = 0; i < 12; i++) {
      for (const word of ['agent', 'journal', `marker${i}x5`, `marker${i}x22`]) {
        await store.search(word).catch((e: ThreadkeepError) => failures.push(e));
      }
    }
    // A search reads only the doclists of its words (since threadkeep_bm25, not every matching
    // row of each word again to count them), so the damage may lie where none of the words above
    // is. One-character prefixes read the whole 1-character prefix index, whose leaves are
    // damaged too.
    for (const first of 'abcdefghijklmnopqrstuvwxyz0123456789') {
      await store.search(`${first}*`, { syntax: 'fts5' }).catch((e: ThreadkeepError) => failures.push(e));
    }
    await store.close();
    expect(failures.length).toBeGreaterThan(0);
    expectGuidance(failures[0]!);

    const recovered = await recover(dir, 'full-text index data damaged');
    expect((await recovered.store.info()).recovery!.reason).toMatch(/integrity check found: fts5: corrupt/);
    expect(recovered.figures.events.recovered).toBe(written.events.length);
    for (const word of ['agent', 'journal', 'marker3x5'])
      expect((await recovered.store.search(word)).length).toBeGreaterThan(0);
    await reopenThenDelete(dir, recovered);
  });

  test('the manifest damaged: CORRUPT; recover replays the records without it', async () => {
    const dir = copyOfStore();
    const manifest = readdirSync(dir).find((f) => decodeKey(f.slice(1)) === `${PREFIX}m`)!;
    const bytes = readFileSync(join(dir, manifest));
    bytes.set(garbage(8, 6), 20);
    writeFileSync(join(dir, manifest), bytes);
    const before = filesOf(dir);
    const error = await openError(dir);
    expectGuidance(error);
    expect(error.message).toMatch(/manifest is unreadable/);
    expect(filesOf(dir)).toEqual(before);
    const recovered = await recover(dir, 'manifest damaged');
    expect(recovered.figures.events.recovered).toBeGreaterThan(0);
    await reopenThenDelete(dir, recovered);
  });

  test('recover: true on a sound store just opens it (after an integrity check)', async () => {
    const dir = copyOfStore();
    const before = filesOf(dir);
    const started = performance.now();
    const store = await openStore({ name: NAME, storage: fileStorage(dir), recover: true });
    const ms = performance.now() - started;
    expect((await store.info()).recovery).toBeNull();
    expect(await readContents(store)).toEqual(written);
    await store.close();
    expect(filesOf(dir)).toEqual(before);
    console.info(`[corruption kv] sound store with recover: true opened in ${ms.toFixed(0)} ms`);
  });

  test('recover must be a boolean', async () => {
    await expect(openStore({ name: NAME, recover: 'yes' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/recover must be true or false/),
    });
  });
});

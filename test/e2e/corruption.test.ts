/**
 * Damaged stores in Chromium, on OPFS and IndexedDB: the bytes are damaged from the page, beside
 * threadkeep (test/e2e/app/storage-tools.ts), after the store was written and closed. Each case
 * checks that openStore rejects CORRUPT — or the first call that touches the damage does — with a
 * message saying what to do, that no byte changed, that deleteStore works, and what
 * `recover: true` brings back: every recovered record exactly as written.
 */
import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { Page } from 'playwright';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/core/damaged-image.js';
import { compareRecovered, type StoreContents } from '../fixtures/dataset.js';
import { launchProfile, type Profile, serve, testAppRoot } from './harness.js';
import {
  type PageEnv,
  databaseFile as poolDatabaseFile,
  inPage as runInPage,
  SAHPOOL_HEADER,
} from './store-page.js';

let server: ViteDevServer;
let url: string;
let profile: Profile;
let page: Page;
let sqlite3: Sqlite3Static;

beforeAll(async () => {
  sqlite3 = await sqlite3InitModule();
  ({ server, url } = await serve(testAppRoot));
  profile = await launchProfile();
  page = await profile.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error('[page]', message.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
});
afterAll(async () => {
  await profile?.dispose();
  await server?.close();
});

/** Runs `fn` in the page; see store-page.ts. */
function inPage<A, R>(fn: (env: PageEnv, arg: A) => Promise<R>, arg: A): Promise<R> {
  return runInPage(page, fn, arg);
}

/** Writes the dataset into a new store and closes it; returns what was written. */
function writeStore(name: string, backend: 'opfs' | 'indexeddb'): Promise<StoreContents> {
  return inPage(
    async ({ tk, ds }, o) => {
      const store = await tk.openStore({ name: o.name, backend: o.backend });
      await ds.populate(store);
      const contents = await ds.readContents(store);
      await store.close();
      return contents;
    },
    { name, backend },
  );
}

function databaseFile(name: string): Promise<{ path: string; data: Uint8Array }> {
  return poolDatabaseFile(page, name);
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

function damageFile(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  return inPage(async ({ t }, a) => t.opfsWrite(a.path, a.offset, a.base64), {
    path,
    offset,
    base64: Buffer.from(bytes).toString('base64'),
  });
}

interface OpenOutcome {
  error?: { code: string; message: string; isThreadkeepError: boolean };
  /** When the open succeeded: the first rejection of reading every session's events. */
  callError?: { code: string; message: string };
  failedSessions?: number;
}

/** Opens the store without `recover`, reads every session's events, closes. */
function openPlain(name: string, sessions: string[]): Promise<OpenOutcome> {
  return inPage(
    async ({ tk }, o) => {
      let store: any;
      try {
        store = await tk.openStore({ name: o.name });
      } catch (e: any) {
        return {
          error: { code: e.code, message: e.message, isThreadkeepError: e instanceof tk.ThreadkeepError },
        };
      }
      let callError: { code: string; message: string } | undefined;
      let failedSessions = 0;
      for (const id of o.sessions) {
        try {
          await store.events.list(id, { limit: 10_000 });
        } catch (e: any) {
          failedSessions++;
          callError ??= { code: e.code, message: e.message };
        }
      }
      await store.close();
      return { ...(callError && { callError }), failedSessions };
    },
    { name, sessions },
  );
}

interface RecoverOutcome {
  ms: number;
  info: any;
  contents: StoreContents;
  searchHit: boolean;
}

function openRecovering(name: string): Promise<RecoverOutcome> {
  return inPage(async ({ tk, ds }, n) => {
    const started = performance.now();
    const store = await tk.openStore({ name: n, recover: true });
    const ms = performance.now() - started;
    const info = await store.info();
    const contents = await ds.readContents(store);
    const probe = contents.events.find((e: any) => typeof e.content === 'string');
    const hits = probe ? await store.search(probe.content.split(' ')[0]) : [];
    await store.close();
    return { ms, info, contents, searchHit: !probe || hits.some((h: any) => h.event.id === probe.id) };
  }, name);
}

function expectGuidance(error: { code: string; message: string } | undefined, name: string): void {
  expect(error?.code).toBe('CORRUPT');
  expect(error?.message).toContain(`openStore({ name: "${name}", recover: true })`);
  expect(error?.message).toContain(`deleteStore("${name}")`);
}

/** Checks what every recovery must hold; returns figures for the log. */
function checkRecovery(label: string, written: StoreContents, outcome: RecoverOutcome) {
  const report = outcome.info.recovery;
  expect(report).not.toBeNull();
  const figures = compareRecovered(written, outcome.contents);
  expect(figures.events.changed).toEqual([]);
  expect(figures.artifacts.changed).toEqual([]);
  expect(report.recovered.events).toBe(outcome.contents.events.length);
  expect(outcome.info.counts.events).toBe(outcome.contents.events.length);
  expect(outcome.searchHit).toBe(true);
  console.info(
    `[corruption ${outcome.info.backend}] ${label}: events ${figures.events.recovered}/${figures.events.written}, sessions ${outcome.contents.sessions.length}/${figures.sessions.written}, artifacts ${figures.artifacts.recovered}/${figures.artifacts.written}, open with recovery ${outcome.ms.toFixed(0)} ms; ${JSON.stringify({ ...report, unreadable: report.unreadable.slice(0, 3) })}`,
  );
  return { figures, report };
}

/** Reopens without `recover` (same records), then deleteStore removes every file, the damaged copy too. */
async function reopenThenDelete(name: string, contents: StoreContents): Promise<void> {
  const after = await inPage(async ({ tk, t, ds }, n) => {
    const store = await tk.openStore({ name: n });
    const info = await store.info();
    const again = await ds.readContents(store);
    await store.close();
    await tk.deleteStore(n);
    return { recovery: info.recovery, again, opfs: await t.opfsExists(n), idb: await t.idbExists(n) };
  }, name);
  expect(after.recovery).toBeNull();
  expect(after.again).toEqual(contents);
  expect(after.opfs).toBe(false);
  expect(after.idb).toBe(false);
}

function sessionIds(written: StoreContents): string[] {
  return written.sessions.map((s) => s.id);
}

describe('a damaged OPFS store', () => {
  it.each([
    ['the SQLite header', 'header'],
    ['the schema page', 'schema'],
  ] as const)(
    '%s damaged: open rejects CORRUPT and changes nothing; recover rebuilds page 1 and keeps every record',
    async (_, kind) => {
      const name = `opfs-${kind}`;
      const written = await writeStore(name, 'opfs');
      const { path, data } = await databaseFile(name);
      const pageSize = ((data[16]! << 8) | data[17]!) === 1 ? 65536 : (data[16]! << 8) | data[17]!;
      if (kind === 'header') await damageFile(path, SAHPOOL_HEADER, garbage(16, 1));
      else await damageFile(path, SAHPOOL_HEADER + 100, garbage(pageSize - 100, 2));
      const damaged = await databaseFile(name);

      const before = await inPage(async ({ t }, n) => t.opfsDigests(n), name);
      const outcome = await openPlain(name, sessionIds(written));
      expect(outcome.error?.isThreadkeepError).toBe(true);
      expectGuidance(outcome.error, name);
      expect(await inPage(async ({ t }, n) => t.opfsDigests(n), name)).toEqual(before);

      const recovered = await openRecovering(name);
      const { figures, report } = checkRecovery(`${kind} damaged`, written, recovered);
      expect(figures.events.recovered).toBe(written.events.length);
      expect(figures.sessions.recovered).toBe(written.sessions.length);
      expect(figures.artifacts.recovered).toBe(written.artifacts.length);
      expect(report.unreadable.join('\n')).toMatch(/page 1 rebuilt/);
      // The damaged database was kept aside as it was.
      const folder = /"(\.threadkeep\/[^"]+)"/.exec(report.damagedCopy)?.[1];
      const files = await inPage(async ({ t }, n) => t.opfsFiles(n), name);
      expect(
        Buffer.from(files[`${folder}/threadkeep.sqlite3`]!, 'base64').equals(Buffer.from(damaged.data)),
      ).toBe(true);
      await reopenThenDelete(name, recovered.contents);
    },
  );

  it('an events page damaged: open works, the calls that read it reject CORRUPT; recover loses only that page', async () => {
    const name = 'opfs-table';
    const written = await writeStore(name, 'opfs');
    const { path, data } = await databaseFile(name);
    const db = openImage(sqlite3, data);
    const pageSize = Number(db.selectValue('PRAGMA page_size'));
    const leaves = db
      .selectValues("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno")
      .map(Number);
    db.close();
    expect(leaves.length).toBeGreaterThan(10);
    const victim = leaves[Math.floor(leaves.length / 2)]!;
    await damageFile(path, SAHPOOL_HEADER + (victim - 1) * pageSize + 8, garbage(pageSize - 8, 3));

    const before = await inPage(async ({ t }, n) => t.opfsDigests(n), name);
    const outcome = await openPlain(name, sessionIds(written));
    expect(outcome.error).toBeUndefined();
    expect(outcome.failedSessions).toBeGreaterThan(0);
    expectGuidance(outcome.callError, name);
    expect(outcome.callError?.message).toMatch(
      /^listing events failed: the stored database of store "opfs-table" is damaged/,
    );
    expect(await inPage(async ({ t }, n) => t.opfsDigests(n), name)).toEqual(before);

    const recovered = await openRecovering(name);
    const { figures, report } = checkRecovery(`events leaf page ${victim} damaged`, written, recovered);
    expect(report.reason).toMatch(/integrity check/);
    const lost = written.events.length - figures.events.recovered;
    expect(lost).toBeGreaterThan(0);
    // One 8 KiB page holds about fifteen of these events.
    expect(lost).toBeLessThan(30);
    expect(report.lost.events).toBe(lost);
    expect(figures.artifacts.recovered).toBe(written.artifacts.length);
    await reopenThenDelete(name, recovered.contents);
  });

  it('a recovery cut short after its new database was written is finished by the next open', async () => {
    const name = 'opfs-swap';
    const written = await writeStore(name, 'opfs');
    const { path, data } = await databaseFile(name);
    // The state a closed tab leaves mid-swap: the damaged database, and the recovered one beside it.
    await damageFile(path, SAHPOOL_HEADER, garbage(16, 6));
    await inPage(async ({ t }, a) => t.opfsImport(a.name, a.base64, '/threadkeep-recovered.sqlite3'), {
      name,
      base64: Buffer.from(data).toString('base64'),
    });
    const result = await inPage(async ({ tk, ds }, n) => {
      const store = await tk.openStore({ name: n });
      const contents = await ds.readContents(store);
      await store.close();
      return contents;
    }, name);
    expect(result).toEqual(written);
    const files: Record<string, string> = await inPage(async ({ t }, n) => t.opfsFiles(n), name);
    const paths = Object.values(files).map((b64) => {
      const header = Buffer.from(b64, 'base64').subarray(0, 512);
      return header.subarray(0, header.indexOf(0)).toString();
    });
    expect(paths.filter(Boolean).sort()).toEqual(['/threadkeep.sqlite3']);
    await inPage(async ({ tk }, n) => tk.deleteStore(n), name);
  });

  it('deleteStore removes a damaged store, and the name opens empty again', async () => {
    const name = 'opfs-delete';
    await writeStore(name, 'opfs');
    const { path } = await databaseFile(name);
    await damageFile(path, SAHPOOL_HEADER, garbage(16, 4));
    const result = await inPage(async ({ tk, t }, n) => {
      const code = await tk.openStore({ name: n }).then(
        () => 'opened',
        (e: any) => e.code,
      );
      await tk.deleteStore(n);
      const gone = !(await t.opfsExists(n));
      const store = await tk.openStore({ name: n });
      const counts = (await store.info()).counts;
      await store.close();
      await tk.deleteStore(n);
      return { code, gone, counts };
    }, name);
    expect(result).toEqual({ code: 'CORRUPT', gone: true, counts: { sessions: 0, events: 0, artifacts: 0 } });
  });

  it('recover: true on a sound store just opens it, after an integrity check', async () => {
    const name = 'opfs-sound';
    const written = await writeStore(name, 'opfs');
    const result = await inPage(async ({ tk, t, ds }, n) => {
      const before = await t.opfsDigests(n);
      // Each open starts a worker and loads SQLite: time a second plain open, not the first.
      await (await tk.openStore({ name: n })).close();
      let started = performance.now();
      const plain = await tk.openStore({ name: n });
      const plainMs = performance.now() - started;
      await plain.close();
      started = performance.now();
      const store = await tk.openStore({ name: n, recover: true });
      const recoverMs = performance.now() - started;
      const info = await store.info();
      const contents = await ds.readContents(store);
      await store.close();
      const after = await t.opfsDigests(n);
      await tk.deleteStore(n);
      return {
        recovery: info.recovery,
        contents,
        same: JSON.stringify(before) === JSON.stringify(after),
        plainMs,
        recoverMs,
        usage: info.usageBytes,
      };
    }, name);
    expect(result.recovery).toBeNull();
    expect(result.contents).toEqual(written);
    expect(result.same).toBe(true);
    console.info(
      `[corruption opfs] sound ${result.usage}-byte store: open ${result.plainMs.toFixed(0)} ms, with recover: true ${result.recoverMs.toFixed(0)} ms`,
    );
  });
});

describe('a damaged IndexedDB store', () => {
  it('a journal record damaged: open rejects CORRUPT and changes nothing; recover keeps what the journal holds', async () => {
    const name = 'idb-record';
    const written = await writeStore(name, 'indexeddb');
    const entries = await inPage(async ({ t }, n) => t.idbEntries(n), name);
    const records = Object.keys(entries)
      .filter((key) => key.startsWith(`threadkeep/${name}/j/`))
      .sort();
    expect(records.length).toBeGreaterThan(10);
    const victim = records[Math.floor(records.length / 2)]!;
    const bytes = Buffer.from(entries[victim]!, 'base64');
    bytes.set(garbage(64, 5), Math.floor(bytes.length / 2));
    await inPage(async ({ t }, a) => t.idbPut(a.name, a.entries), {
      name,
      entries: { [victim]: bytes.toString('base64') },
    });

    const before = await inPage(async ({ t }, n) => t.idbDigests(n), name);
    const outcome = await openPlain(name, sessionIds(written));
    expect(outcome.error?.isThreadkeepError).toBe(true);
    expectGuidance(outcome.error, name);
    expect(outcome.error?.message).toMatch(/journal record \d+ is damaged/);
    expect(await inPage(async ({ t }, n) => t.idbDigests(n), name)).toEqual(before);

    const recovered = await openRecovering(name);
    const { figures, report } = checkRecovery('journal record damaged', written, recovered);
    expect(report.unreadable.join('\n')).toMatch(/journal record \d+ is damaged/);
    expect(figures.events.recovered).toBeGreaterThan(0);
    // Every damaged value was kept aside, byte for byte.
    const aside = /"(threadkeep\/idb-record\/damaged-\d+\/)"/.exec(report.damagedCopy)?.[1];
    expect(aside).toBeDefined();
    const after = await inPage(async ({ t }, n) => t.idbDigests(n), name);
    for (const [key, digest] of Object.entries(before)) {
      expect(after[`${aside}${key.slice(`threadkeep/${name}/`.length)}`], key).toBe(digest);
    }
    await reopenThenDelete(name, recovered.contents);
  });
});

describe('an IndexedDB store whose database the browser lost', () => {
  it('is refused CORRUPT instead of reopened empty; recover: true starts it again and says so; deleteStore forgets it', async () => {
    const name = 'idb-vanished';
    const written = await writeStore(name, 'indexeddb');
    expect(written.sessions.length).toBeGreaterThan(0);
    const open = (options: object) =>
      page.evaluate(
        async (o) => {
          const tk = (globalThis as any).tk;
          try {
            const store = await tk.openStore(o);
            const info = await store.info();
            const sessions = (await store.sessions.list()).length;
            await store.close();
            return { ok: true, backend: info.backend, recovery: info.recovery, sessions };
          } catch (e: any) {
            return {
              ok: false,
              code: e?.code,
              message: String(e?.message),
              threadkeep: e instanceof tk.ThreadkeepError,
            };
          }
        },
        { name, ...options },
      );
    const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    // What a browser that discards a damaged database, or "clear IndexedDB" alone, leaves behind.
    await page.evaluate(
      (db) =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase(db);
          request.onsuccess = () => resolve();
          request.onerror = () => reject(request.error);
        }),
      `threadkeep-${name}`,
    );

    for (const backend of ['indexeddb', 'auto'] as const) {
      const refused = await open({ backend });
      expect(refused, backend).toMatchObject({ ok: false, code: 'CORRUPT', threadkeep: true });
      expect(refused.message).toMatch(/IndexedDB database of store "idb-vanished" is gone/);
      expect(refused.message).toContain('recover: true');
      // Neither an empty IndexedDB database nor an OPFS copy was started in its place.
      expect(await databases()).not.toContain(`threadkeep-${name}`);
      expect(
        await page.evaluate(async (n) => {
          const root = await navigator.storage.getDirectory();
          try {
            await (await root.getDirectoryHandle('.threadkeep')).getDirectoryHandle(n);
            return true;
          } catch {
            return false;
          }
        }, name),
      ).toBe(false);
    }

    const recovered = await open({ backend: 'indexeddb', recover: true });
    expect(recovered).toMatchObject({ ok: true, backend: 'indexeddb', sessions: 0 });
    expect(recovered.recovery?.reason).toMatch(/is gone/);
    expect(recovered.recovery?.recovered).toEqual({ sessions: 0, events: 0, artifacts: 0 });
    // Started again: later opens are plain opens of that (empty) store.
    expect(await open({ backend: 'indexeddb' })).toMatchObject({ ok: true, recovery: null });

    // deleteStore forgets the store: its name is new again, on any backend.
    await page.evaluate((n) => (globalThis as any).tk.deleteStore(n), name);
    expect(
      await page.evaluate(
        async (n) =>
          (await caches.has('threadkeep-stores')) &&
          (await (
            await caches.open('threadkeep-stores')
          ).match(`https://threadkeep.invalid/indexeddb/${n}`)) !== undefined,
        name,
      ),
    ).toBe(false);
    expect(await open({ backend: 'auto' })).toMatchObject({ ok: true, backend: 'opfs', sessions: 0 });
    await page.evaluate((n) => (globalThis as any).tk.deleteStore(n), name);
  });
});

/**
 * Upgrades in Chromium: the committed stores of every released schema version (test/fixtures)
 * put where each browser backend keeps its bytes — the database file imported into the OPFS pool
 * with sqlite-wasm's importDb, the journal values written into IndexedDB — open with this code,
 * migrated, with every record and a working search. A copy saying it was written by a newer
 * schema is refused with SCHEMA_TOO_NEW and stays byte-identical.
 */
import type { Page } from 'playwright';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlite } from '../../src/backends/load-sqlite.js';
import { SCHEMA_VERSION } from '../../src/core/schema.js';
import {
  expectedContents,
  fixtureVersions,
  kvFixture,
  kvWithUserVersion,
  sqliteFixture,
  withUserVersion,
} from '../fixtures/schema-fixtures.js';
import { launchProfile, type Profile, serve, testAppRoot } from './harness.js';
import { inPage, type PageEnv } from './store-page.js';

let server: ViteDevServer;
let url: string;
let profile: Profile;
let page: Page;

beforeAll(async () => {
  ({ server, url } = await serve(testAppRoot));
  profile = await launchProfile();
  page = await profile.context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
});
afterAll(async () => {
  await profile?.dispose();
  await server?.close();
});

const run = <A, R>(fn: (env: PageEnv, arg: A) => Promise<R>, arg: A) => inPage(page, fn, arg);

function base64Entries(entries: Map<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...entries].map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
}

/** Opens the store, reads it all, searches for the first word of the given events, appends one. */
function openAndRead(name: string, searches: Array<{ word: string; sessionId: string }>) {
  return run(
    async ({ tk, ds }, o) => {
      const store = await tk.openStore({ name: o.name });
      const info = await store.info();
      const contents = await ds.readContents(store);
      const hits: string[][] = [];
      for (const s of o.searches) {
        hits.push((await store.search(s.word, { sessionId: s.sessionId })).map((h: any) => h.event.id));
      }
      const [appended] = await store.events.append('session-00', { content: 'written after the upgrade' });
      await store.close();
      const again = await tk.openStore({ name: o.name });
      const tail = await again.events.tail('session-00', 1);
      await again.close();
      await tk.deleteStore(o.name);
      return { info, contents, hits, appendedSeq: appended.seq, tail: tail[0].content };
    },
    { name, searches },
  );
}

describe.each(fixtureVersions())('a store written at schema version %i, in Chromium', (version) => {
  const expected = expectedContents(version);
  const probes = expected.contents.events.filter(
    (e, i) => typeof e.content === 'string' && (expected.pendingEventIds.includes(e.id) || i % 10 === 0),
  );
  const searches = probes.map((e) => ({
    word: (e.content as string).split(' ')[0]!,
    sessionId: e.sessionId,
  }));

  async function check(name: string, backend: 'opfs' | 'indexeddb'): Promise<void> {
    const result = await openAndRead(name, searches);
    expect(result.info.backend).toBe(backend);
    expect(result.info.schemaVersion).toBe(SCHEMA_VERSION);
    expect(result.contents).toMatchObject(expected.contents);
    probes.forEach((event, i) => {
      expect(result.hits[i], `search for ${searches[i]!.word}`).toContain(event.id);
    });
    expect(probes.filter((e) => expected.pendingEventIds.includes(e.id)).length).toBeGreaterThan(0);
    const session = expected.contents.sessions.find((s) => s.id === 'session-00')!;
    expect(result.appendedSeq).toBe(session.lastSeq + 1);
    expect(result.tail).toBe('written after the upgrade');
  }

  it('OPFS: the database file, imported into the pool, opens migrated with every record', async () => {
    const name = `up-opfs-v${version}`;
    await run(async ({ t }, a) => t.opfsImport(a.name, a.base64), {
      name,
      base64: Buffer.from(sqliteFixture(version)).toString('base64'),
    });
    await check(name, 'opfs');
  });

  it('IndexedDB: the journal values, written into the database, open migrated with every record', async () => {
    const name = `up-idb-v${version}`;
    await run(async ({ t }, a) => t.idbPut(a.name, a.entries), {
      name,
      entries: base64Entries(kvFixture(version, name)),
    });
    await check(name, 'indexeddb');
  });
});

describe('a store written by a newer schema, in Chromium', () => {
  const newest = Math.max(...fixtureVersions());

  /** Opens with and without recover; returns the errors and whether every byte stayed. */
  function refuse(name: string, digests: 'opfsDigests' | 'idbDigests') {
    return run(
      async ({ tk, t }, o) => {
        const before = JSON.stringify(await t[o.digests](o.name));
        const outcomes: Array<{ code: string; message: string; same: boolean }> = [];
        for (const recover of [false, true]) {
          const error = await tk.openStore({ name: o.name, recover }).then(
            async (store: any) => {
              await store.close();
              return { code: 'opened', message: '' };
            },
            (e: any) => ({ code: e.code, message: e.message }),
          );
          outcomes.push({ ...error, same: JSON.stringify(await t[o.digests](o.name)) === before });
        }
        await tk.deleteStore(o.name);
        return outcomes;
      },
      { name, digests },
    );
  }

  function expectRefused(
    outcomes: Array<{ code: string; message: string; same: boolean }>,
    name: string,
  ): void {
    expect(outcomes).toEqual(
      [false, true].map(() => ({
        code: 'SCHEMA_TOO_NEW',
        message: `store "${name}" was written by a newer threadkeep (schema ${SCHEMA_VERSION + 1}; this version knows up to ${SCHEMA_VERSION}); upgrade threadkeep to open it. The store was left untouched.`,
        same: true,
      })),
    );
  }

  it('OPFS: refused with SCHEMA_TOO_NEW, every byte of the pool as before, with or without recover', async () => {
    const name = 'newer-opfs';
    await run(async ({ t }, a) => t.opfsImport(a.name, a.base64), {
      name,
      base64: Buffer.from(withUserVersion(sqliteFixture(newest), SCHEMA_VERSION + 1)).toString('base64'),
    });
    expectRefused(await refuse(name, 'opfsDigests'), name);
  });

  it('IndexedDB: refused with SCHEMA_TOO_NEW, every value as before, with or without recover', async () => {
    const name = 'newer-idb';
    const entries = await kvWithUserVersion(
      await loadSqlite(),
      kvFixture(newest, name),
      name,
      SCHEMA_VERSION + 1,
    );
    await run(async ({ t }, a) => t.idbPut(a.name, a.entries), { name, entries: base64Entries(entries) });
    expectRefused(await refuse(name, 'idbDigests'), name);
  });
});

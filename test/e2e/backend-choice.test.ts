/**
 * The honest backend choice: with OPFS broken in the worker, 'auto' uses IndexedDB and says why;
 * with IndexedDB broken too, openStore rejects BACKEND_UNAVAILABLE naming both; never memory.
 * Storage is broken by wrapping the page's Worker constructor so the worker runs a prelude first.
 */
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, serve, testAppRoot } from './harness.js';

let server: ViteDevServer;
let url: string;

beforeAll(async () => {
  ({ server, url } = await serve(testAppRoot));
});
afterAll(async () => {
  await server?.close();
});

/** Makes every worker the page starts run `prelude` before its own module. */
function breakInWorkers(prelude: string): string {
  return `(() => {
    const Original = globalThis.Worker;
    globalThis.Worker = function (url, options) {
      const target = new URL(url, location.href).href;
      // Messages that arrive while the real module loads are held, then replayed to it.
      const source = [
        ${JSON.stringify(prelude)},
        'const held = []; const hold = (e) => { held.push(e); e.stopImmediatePropagation(); };',
        'addEventListener("message", hold);',
        'await import(' + JSON.stringify(target) + ');',
        'removeEventListener("message", hold);',
        'for (const e of held) dispatchEvent(new MessageEvent("message", { data: e.data, ports: [...e.ports] }));',
      ].join('\\n');
      return new Original(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), options);
    };
  })();`;
}

const NO_OPFS = `delete StorageManager.prototype.getDirectory;`;
// Firefox's private windows: the API is there, but using it is refused.
const OPFS_DENIED = `StorageManager.prototype.getDirectory = function () {
  return Promise.reject(new DOMException('The operation is insecure.', 'SecurityError'));
};`;
const NO_INDEXEDDB = `IDBFactory.prototype.open = function () { throw new DOMException('IndexedDB is disabled here', 'SecurityError'); };`;

async function openWith(prelude: string, options: object): Promise<any> {
  const profile = await launchProfile();
  try {
    await profile.context.addInitScript(breakInWorkers(prelude));
    const page = await profile.context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    return await page.evaluate(async (o) => {
      const tk = (globalThis as any).tk;
      try {
        const store = await tk.openStore(o);
        await store.events.append('s', { content: 'stored' });
        const info = await store.info();
        await store.close();
        return { backend: info.backend, fallbackReason: info.fallbackReason };
      } catch (e: any) {
        return { error: e.code, message: e.message, isThreadkeepError: e instanceof tk.ThreadkeepError };
      }
    }, options);
  } finally {
    await profile.dispose();
  }
}

describe('backend choice', () => {
  it("'auto' falls back to IndexedDB with a reason when OPFS is unusable", async () => {
    const result = await openWith(NO_OPFS, { name: 'fallback' });
    expect(result.backend).toBe('indexeddb');
    expect(result.fallbackReason).toMatch(/OPFS/);
  });

  it("an explicit 'opfs' never changes silently", async () => {
    const result = await openWith(NO_OPFS, { name: 'explicit', backend: 'opfs' });
    expect(result).toMatchObject({ error: 'BACKEND_UNAVAILABLE', isThreadkeepError: true });
    expect(result.message).toMatch(/OPFS/);
  });

  it("OPFS access denied (SecurityError, as in private windows): 'auto' uses IndexedDB and says access was denied", async () => {
    const result = await openWith(OPFS_DENIED, { name: 'denied' });
    expect(result).toEqual({
      backend: 'indexeddb',
      fallbackReason: expect.stringMatching(/OPFS access was denied.*SecurityError/),
    });
  });

  it("OPFS access denied: an explicit 'opfs' rejects BACKEND_UNAVAILABLE with that reason", async () => {
    const result = await openWith(OPFS_DENIED, { name: 'denied-explicit', backend: 'opfs' });
    expect(result).toMatchObject({ error: 'BACKEND_UNAVAILABLE', isThreadkeepError: true });
    expect(result.message).toMatch(/OPFS: OPFS access was denied.*SecurityError/);
  });

  it('with neither OPFS nor IndexedDB, rejects BACKEND_UNAVAILABLE naming both, never memory', async () => {
    const result = await openWith(NO_OPFS + NO_INDEXEDDB, { name: 'nothing' });
    expect(result).toMatchObject({ error: 'BACKEND_UNAVAILABLE', isThreadkeepError: true });
    expect(result.message).toMatch(/OPFS:/);
    expect(result.message).toMatch(/IndexedDB:.*disabled/);
  });

  it('deleteStore removes every byte on either backend', async () => {
    const profile = await launchProfile();
    try {
      const page = await profile.context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
      const result = await page.evaluate(async () => {
        const tk = (globalThis as any).tk;
        const listOpfs = async () => {
          const root = await navigator.storage.getDirectory();
          const names: string[] = [];
          const walk = async (dir: any, prefix: string) => {
            for await (const [name, handle] of dir.entries()) {
              names.push(prefix + name);
              if (handle.kind === 'directory') await walk(handle, `${prefix + name}/`);
            }
          };
          await walk(root, '');
          return names;
        };
        const idbNames = async () => (await indexedDB.databases()).map((d) => d.name);
        for (const backend of ['opfs', 'indexeddb']) {
          const store = await tk.openStore({ name: `del-${backend}`, backend });
          await store.events.append('s', { content: 'x'.repeat(10_000) });
          await store.artifacts.put({ data: new Uint8Array(300_000) });
          await store.close();
        }
        const before = { opfs: await listOpfs(), idb: await idbNames() };
        const open = await tk.openStore({ name: 'del-opfs' });
        await tk.deleteStore('del-opfs');
        let closedCode: string | undefined;
        try {
          await open.sessions.list();
        } catch (e: any) {
          closedCode = e.code;
        }
        await tk.deleteStore('del-indexeddb');
        const after = { opfs: await listOpfs(), idb: await idbNames() };
        const reopened = await tk.openStore({ name: 'del-opfs' });
        const counts = (await reopened.info()).counts;
        await reopened.close();
        return { before, after, closedCode, counts };
      });
      expect(result.before.opfs.some((n: string) => n.startsWith('.threadkeep/del-opfs'))).toBe(true);
      expect(result.before.idb).toContain('threadkeep-del-indexeddb');
      expect(result.after.opfs.filter((n: string) => n.startsWith('.threadkeep/del-'))).toEqual([]);
      expect(result.after.idb).not.toContain('threadkeep-del-indexeddb');
      expect(result.closedCode).toBe('CLOSED');
      expect(result.counts).toEqual({ sessions: 0, events: 0, artifacts: 0 });
    } finally {
      await profile.dispose();
    }
  });
});

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

describe('durable backends in a persistent Chromium profile', () => {
  for (const backend of ['opfs', 'indexeddb'] as const) {
    it(`writes, reloads and reads back (${backend})`, async () => {
      const profile = await launchProfile();
      try {
        const page = await profile.context.newPage();
        await page.goto(url);
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
        const written = await page.evaluate(async (b) => {
          const tk = (globalThis as any).tk;
          const store = await tk.openStore({ name: 'reload', backend: b });
          await store.events.append('chat', [{ role: 'user', content: 'survives a reload' }]);
          const info = await store.info();
          return { backend: info.backend, role: info.role };
        }, backend);
        expect(written).toEqual({ backend, role: 'leader' });
        await page.reload();
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
        const read = await page.evaluate(async (b) => {
          const tk = (globalThis as any).tk;
          const store = await tk.openStore({ name: 'reload', backend: b });
          const events = await store.events.list('chat');
          const hits = await store.search('reload');
          await store.close();
          return { contents: events.map((e: any) => e.content), hits: hits.length };
        }, backend);
        expect(read).toEqual({ contents: ['survives a reload'], hits: 1 });
      } finally {
        await profile.dispose();
      }
    });
  }
});

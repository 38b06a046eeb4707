/**
 * Shared by the Playwright tests: Debian's Chromium with a persistent profile (Playwright's
 * incognito contexts distort storage behaviour), and a Vite dev server for a test page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface Profile {
  dir: string;
  context: BrowserContext;
  close(): Promise<void>;
  /** Closes the browser and removes the profile directory. */
  dispose(): Promise<void>;
}

export function newProfileDir(prefix = 'tk-profile-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Launches Chromium on a persistent profile directory (new one unless given). */
export async function launchProfile(dir: string = newProfileDir()): Promise<Profile> {
  const options = await chromiumLaunchOptions();
  const context = await chromium.launchPersistentContext(dir, { headless: true, ...options });
  return {
    dir,
    context,
    close: () => context.close(),
    async dispose() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Serves a page folder with Vite (the library from source, the worker and sqlite3.wasm as a
 * user's Vite app would get them). Returns the server and its base URL.
 */
export async function serve(root: string): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', fs: { allow: [repoRoot] } },
    optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'], noDiscovery: true, include: [] },
    worker: { format: 'es' },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the test server has no port');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

/** The test app: a page that puts threadkeep on `window.tk`. */
export const testAppRoot = join(repoRoot, 'test/e2e/app');

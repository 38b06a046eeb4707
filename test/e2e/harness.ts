/**
 * Shared by the Playwright tests: Debian's Chromium with a persistent profile (Playwright's
 * incognito contexts distort storage behaviour), and a Vite dev server for a test page.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright';
import { build, createServer, type PreviewServer, preview, type ViteDevServer } from 'vite';
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
  // TK_CHROMIUM_LOG=<directory>: each launch writes Chromium's own log (storage errors included)
  // to <directory>/<profile>-<time>.log.
  const logDir = process.env.TK_CHROMIUM_LOG;
  const logArgs = logDir
    ? ['--enable-logging', '--v=0', `--log-file=${join(logDir, `${basename(dir)}-${Date.now()}.log`)}`]
    : [];
  const context = await chromium.launchPersistentContext(dir, {
    headless: true,
    ...options,
    args: [...options.args, ...logArgs],
  });
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

/**
 * Builds the test app with `vite build` (as a user's Vite app ships the library) and serves the
 * output statically. A built page loads in ~0.3 s against ~1 s for the dev server's hundreds of
 * modules: what makes a campaign of many browser launches (test/e2e/crash.test.ts) affordable.
 */
export async function serveBuilt(
  root: string,
): Promise<{ server: PreviewServer; url: string; close(): Promise<void> }> {
  const outDir = mkdtempSync(join(tmpdir(), 'tk-app-dist-'));
  const common = { root, configFile: false as const, logLevel: 'error' as const };
  await build({ ...common, build: { outDir, emptyOutDir: true }, worker: { format: 'es' } });
  const server = await preview({ ...common, build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server has no URL');
  return {
    server,
    url,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** Ids of the running processes of the Chromium that uses profile `dir` (browser, renderers, GPU, utilities). */
export function profileProcesses(dir: string): number[] {
  // Chromium rewrites its children's argv into one space-separated string, so match on text.
  const flag = `--user-data-dir=${dir}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (`${cmdline} `.includes(`${flag} `)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Kills the whole browser of `profile` the way a power cut or the OOM killer would: every process
 * of it is stopped first (so none runs on while another is killed), then SIGKILLed; resolves once
 * all are gone and Playwright has seen the browser close. Returns how many processes were killed.
 */
export async function killBrowser(profile: Profile): Promise<number> {
  if (!existsSync('/proc')) throw new Error('killBrowser needs /proc (Linux)');
  const pids = profileProcesses(profile.dir);
  if (pids.length === 0) throw new Error(`no Chromium process uses profile ${profile.dir}`);
  const closed = new Promise<void>((resolve) => profile.context.once('close', () => resolve()));
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  for (const pid of pids) signal(pid, 'SIGSTOP');
  for (const pid of pids) signal(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  for (;;) {
    // A process started between the scan and the signals (a new renderer or utility) dies too.
    for (const pid of profileProcesses(profile.dir)) {
      if (!pids.includes(pid) && running(pid)) {
        pids.push(pid);
        signal(pid, 'SIGKILL');
      }
    }
    if (!pids.some(running)) break;
    if (Date.now() > deadline) throw new Error(`Chromium processes ${pids.filter(running)} outlived SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await closed;
  return pids.length;
}

/** The database image `window.store` exports, brought to Node (to open with `openImage`). */
export async function exportedImage(page: Page): Promise<Uint8Array> {
  const base64 = await page.evaluate(async () => {
    const bytes: Uint8Array = await (globalThis as any).store.exportDatabase();
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  });
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

/// <reference types="chrome" />
/**
 * The example extension (examples/extension), built with Vite and loaded unpacked into Chromium:
 * the side panel and the service worker write the same store; it survives closing every page,
 * stopping the service worker, and restarting the browser. The service worker only ever follows:
 * the side panel leads, or the offscreen document the service worker created.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';
import { newProfileDir, repoRoot } from './harness.js';

let extensionDir: string;
let profileDir: string;
let context: BrowserContext | undefined;
let extensionId: string;

/** Chromium with the extension loaded unpacked. New headless mode runs extensions. */
async function launch(): Promise<BrowserContext> {
  const options = await chromiumLaunchOptions();
  return chromium.launchPersistentContext(profileDir, {
    ...options,
    headless: true,
    args: [
      ...(options.args ?? []),
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
  });
}

async function serviceWorker(ctx: BrowserContext): Promise<Worker> {
  const running = ctx.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
  return running ?? ctx.waitForEvent('serviceworker', { timeout: 20_000 });
}

async function openSidePanel(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`chrome-extension://${extensionId}/sidepanel.html`);
  await page.locator('#status[data-ready]').waitFor({ timeout: 30_000 });
  return page;
}

/** The transcript as the side panel shows it: [role, text] per message. */
async function transcript(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval('#transcript .message', (items) =>
    items.map((li) => [
      (li as HTMLElement).dataset.role ?? '',
      (li.firstChild?.nodeType === 3 ? li.textContent : li.lastChild?.textContent) ?? '',
    ]),
  ) as Promise<Array<[string, string]>>;
}

beforeAll(async () => {
  extensionDir = mkdtempSync(join(tmpdir(), 'threadkeep-extension-'));
  await build({
    configFile: join(repoRoot, 'examples/extension/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: extensionDir, emptyOutDir: true },
  });
  profileDir = newProfileDir('tk-extension-');
  context = await launch();
  extensionId = new URL((await serviceWorker(context)).url()).host;
});

afterAll(async () => {
  await context?.close().catch(() => {});
  rmSync(profileDir, { recursive: true, force: true });
  rmSync(extensionDir, { recursive: true, force: true });
});

describe('the example extension', () => {
  it('shares one store between the side panel and the service worker, which never leads', async () => {
    const ctx = context!;
    const panel = await openSidePanel(ctx);
    expect(await panel.textContent('#status')).toBe('opfs · leader');

    await panel.fill('#input', 'Remember that the name of my cat is Ada');
    await panel.press('#input', 'Enter');
    await panel.locator('.message[data-role="assistant"][data-status="complete"]').waitFor();

    const sw = await serviceWorker(ctx);
    const noted = await sw.evaluate(async () => {
      const api = (globalThis as any).agentHistory;
      const event = await api.note('a note from the service worker');
      return { seq: event.seq, info: await api.info() };
    });
    expect(noted.seq).toBe(3);
    expect(noted.info).toMatchObject({ backend: 'opfs', role: 'follower', counts: { events: 3 } });
    // The side panel hears the service worker's write through subscribe().
    await panel.locator('.message.note').waitFor();
    expect(await transcript(panel)).toEqual([
      ['user', 'Remember that the name of my cat is Ada'],
      ['assistant', expect.stringContaining('Noted')],
      ['user', 'a note from the service worker'],
    ]);
    // The service worker created the offscreen document that hosts the store.
    expect(
      await sw.evaluate(
        async () =>
          (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as any] })).length,
      ),
    ).toBe(1);
  });

  it('keeps working and keeps everything when every page is closed and reopened', async () => {
    const ctx = context!;
    for (const page of ctx.pages()) await page.close();
    const sw = await serviceWorker(ctx);
    // No extension page is open: the offscreen document leads now.
    const seq = await sw.evaluate(
      async () => (await (globalThis as any).agentHistory.note('written while no page was open')).seq,
    );
    expect(seq).toBe(4);

    const panel = await openSidePanel(ctx);
    expect(await panel.textContent('#status')).toBe('opfs · follower');
    expect((await transcript(panel)).map(([, text]) => text)).toEqual([
      'Remember that the name of my cat is Ada',
      expect.stringContaining('Noted'),
      'a note from the service worker',
      'written while no page was open',
    ]);
    // The agent finds the earlier message through search.
    await panel.fill('#input', 'Which name did I give you?');
    await panel.press('#input', 'Enter');
    await expect
      .poll(async () => (await transcript(panel)).at(-1))
      .toEqual(['assistant', expect.stringContaining('You mentioned “name” before')]);
  });

  it('reads everything back after the service worker is stopped and started again', async () => {
    const ctx = context!;
    const panel = ctx.pages().find((p) => p.url().endsWith('/sidepanel.html'))!;
    const sw = await serviceWorker(ctx);
    await sw.evaluate(() => {
      (globalThis as any).beforeTheStop = true;
    });
    const cdp = await ctx.newCDPSession(panel);
    const stopped = new Promise<void>((resolve) => {
      cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        if (versions.some((v) => v.scriptURL.endsWith('/background.js') && v.runningStatus === 'stopped'))
          resolve();
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await stopped;

    // A message wakes the service worker; its new instance opens the store anew, as a follower.
    const answer = await panel.evaluate(() =>
      chrome.runtime.sendMessage({ type: 'note', text: 'after the service worker restarted' }),
    );
    expect(answer).toEqual({ ok: true, seq: 7 });
    const read = await sw.evaluate(async () => {
      const api = (globalThis as any).agentHistory;
      return {
        fresh: (globalThis as any).beforeTheStop === undefined,
        transcript: await api.transcript(),
        role: (await api.info()).role,
      };
    });
    expect(read.fresh).toBe(true);
    expect(read.role).toBe('follower');
    expect(read.transcript).toHaveLength(7);
    expect(read.transcript.at(-1)).toBe('after the service worker restarted');
    await cdp.detach();
  });

  it('keeps the history across a restart of the browser, read first by the service worker', async () => {
    await context!.close();
    context = await launch();
    // No extension page is open yet: the service worker's offscreen document leads.
    const sw = await serviceWorker(context);
    const fromWorker = await sw.evaluate(async () => {
      const api = (globalThis as any).agentHistory;
      return { transcript: await api.transcript(), role: (await api.info()).role };
    });
    expect(fromWorker.role).toBe('follower');
    expect(fromWorker.transcript).toHaveLength(7);

    const panel = await openSidePanel(context);
    expect(await panel.textContent('#status')).toBe('opfs · follower');
    const shown = await transcript(panel);
    expect(shown).toHaveLength(7);
    expect(shown[0]).toEqual(['user', 'Remember that the name of my cat is Ada']);
    expect(shown.at(-1)).toEqual(['user', 'after the service worker restarted']);
  });
});

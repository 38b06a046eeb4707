/**
 * The demo page (issue 6), built and served exactly as `npm run demo` does it, driven in Chromium
 * with a persistent profile. The steps share one page and build on each other, like a person
 * trying the demo: chat, reload, search, artifacts, XSS, export/delete/import, seeding, phone.
 * Screenshots go to docs/screenshots/ to be looked at.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Change, Session, Store, StoredEvent } from '../../src/index.js';
import { launchProfile, type Profile, repoRoot } from './harness.js';

/** What the demo page puts on window for the console (and these tests), plus the tests' own probes. */
type DemoGlobals = typeof globalThis & {
  threadkeepDemo: { store: Store };
  __changes: Change[];
  __xss?: number;
  /** The jump test's gate on the page's own `events.list` reads. */
  __jump?: { held: number; release(): void; restore(): void };
};

const SHOTS = join(repoRoot, 'docs/screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Runs the `npm run demo` script on a free port and resolves with the address it prints. */
async function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['scripts/demo.mjs', '--port', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${output}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /threadkeep demo: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo script exited with code ${code}:\n${output}`));
    });
  });
  return { child, url };
}

let demo: { child: ChildProcess; url: string };
let profile: Profile;
let page: Page;
const pageErrors: string[] = [];

async function ready(p: Page): Promise<void> {
  await p.waitForSelector('html[data-ready]', { timeout: 60_000 });
}

/** Sends a message with the keyboard and waits until the agent's streamed reply is complete. */
async function sendAndWait(p: Page, text: string): Promise<void> {
  const before = await p.locator('#transcript article.msg--assistant').count();
  await p.locator('#composer-input').fill(text);
  await p.locator('#composer-input').press('Enter');
  await p.waitForFunction(
    (n) => document.querySelectorAll('#transcript article.msg--assistant').length > n,
    before,
  );
  await p.waitForFunction(() => {
    const send = document.getElementById('composer-send') as HTMLButtonElement;
    return !send.disabled && document.querySelector('#transcript article[data-status="partial"]') === null;
  });
}

/** Every session in the store, read through the page's own store. */
function sessions(p: Page): Promise<Session[]> {
  return p.evaluate(async () => {
    const store = (globalThis as DemoGlobals).threadkeepDemo.store;
    return store.sessions.list({ limit: 1000 });
  });
}

function shot(p: Page, name: string) {
  return p.screenshot({ path: join(SHOTS, `${name}.png`) });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  demo = await startDemo();
  profile = await launchProfile();
  page = await profile.context.newPage();
  await page.setViewportSize(DESKTOP);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    pageErrors.push(`a ${dialog.type()} dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await profile?.dispose();
  demo?.child.kill('SIGTERM');
});

describe('the demo page', () => {
  beforeEach(() => {
    onTestFailed(async ({ task }) => {
      await page.screenshot({ path: join(profile.dir, '..', `demo-failure-${task.name.slice(0, 40)}.png`) });
    });
  });

  it('opens on OPFS, creates a chat and streams a reply through partial events and patches', async () => {
    await page.goto(demo.url);
    await ready(page);
    await expect.poll(() => page.locator('#storage-summary').textContent()).toContain('OPFS · leader');
    await shot(page, 'desktop-welcome');

    // Hear the store's changes the way the page does, to see the reply being patched.
    await page.evaluate(() => {
      const w = globalThis as DemoGlobals;
      w.__changes = [];
      w.threadkeepDemo.store.subscribe((change) => w.__changes.push(change));
    });
    await page.locator('#composer-input').fill('Remember that the launch codeword is periwinkle');
    await page.locator('#composer-input').press('Enter');
    const partial = page.locator('#transcript article.msg--assistant[data-status="partial"]');
    await partial.waitFor();
    await page.locator('#transcript article.msg--assistant[data-status="complete"]').waitFor();
    await expect.poll(() => partial.count()).toBe(0);

    const reply = page.locator('#transcript article.msg--assistant').last();
    await expect.poll(() => reply.locator('.msg-text').textContent()).toContain('periwinkle');
    expect(await page.locator('#chat-title').textContent()).toBe(
      'Remember that the launch codeword is periwinkle',
    );
    const stored = await page.evaluate(async () => {
      const w = globalThis as DemoGlobals;
      const [session] = await w.threadkeepDemo.store.sessions.list();
      const events = await w.threadkeepDemo.store.events.list(session!.id);
      const patches = w.__changes.filter((c) => c.kind === 'event' && c.op === 'update').length;
      return {
        events: events.map((e: StoredEvent) => [e.role, e.status, e.content]),
        patches,
        hash: location.hash,
      };
    });
    expect(stored.events).toHaveLength(2);
    expect(stored.events[0]).toEqual(['user', 'complete', 'Remember that the launch codeword is periwinkle']);
    expect(stored.events[1]![1]).toBe('complete');
    expect(await reply.locator('.msg-text').textContent()).toBe(stored.events[1]![2]);
    // Streamed: several patches of the partial event, then the one that completed it.
    expect(stored.patches).toBeGreaterThan(3);
    expect(stored.hash).toMatch(/^#chat=/);
  });

  it('shows the same history after a reload', async () => {
    await page.reload();
    await ready(page);
    await page.locator('#transcript article.msg--assistant[data-status="complete"]').waitFor();
    const texts = await page.locator('#transcript article .msg-text').allTextContents();
    expect(texts[0]).toBe('Remember that the launch codeword is periwinkle');
    expect(texts[1]).toContain('periwinkle');
    expect(await page.locator('#session-list .session-title').allTextContents()).toEqual([
      'Remember that the launch codeword is periwinkle',
    ]);
  });

  it('finds a message with search, highlights the match, and opens the chat at it', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await expect.poll(() => page.locator('#welcome').isVisible()).toBe(true);
    // "New chat" put the focus in the composer; Escape leaves it, so "/" reaches the search box.
    await page.locator('#composer-input').press('Tab');
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('search-input');
    await page.keyboard.type('periwink');
    const hits = page.locator('#search-results [role="option"]');
    await hits.first().waitFor();
    expect(await hits.count()).toBe(2);
    expect(await hits.first().locator('mark').first().textContent()).toMatch(/^periwinkle$/i);
    await shot(page, 'desktop-search');

    await page.keyboard.press('ArrowDown');
    const chosenSeq = Number((await hits.first().textContent())!.match(/#(\d+)/)![1]);
    await page.keyboard.press('Enter');
    const target = page.locator(`#transcript article[data-seq="${chosenSeq}"]`);
    await target.waitFor();
    await expect.poll(() => target.evaluate((a) => a === document.activeElement)).toBe(true);
    expect(await target.getAttribute('class')).toContain('msg--spotlight');
    expect(await page.evaluate(() => location.hash)).toContain(`at=${chosenSeq}`);
    await page.locator('#search-input').fill('');
  });

  it('calls a tool whose CSV artifact shows rows N–M through drilldown, and downloads whole', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('button', { name: 'Show me the Q3 sales table' }).click();
    await page.locator('#transcript article.msg--assistant[data-status="partial"]').waitFor();
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#transcript article.msg--assistant[data-status="complete"]').length ===
          2 && !(document.getElementById('composer-send') as HTMLButtonElement).disabled,
    );
    const card = page.locator('.artifact-card').first();
    await card.locator('tbody tr').first().waitFor();
    expect(await card.locator('tbody tr').count()).toBe(4);
    expect(await card.locator('tbody tr td').first().textContent()).toBe('ORD-10000');
    expect(await page.locator('.tool-call-name').first().textContent()).toBe('query_sales');
    await expect.poll(() => page.locator('#chat-meta').textContent()).toContain('4 events');
    await expect.poll(() => page.locator('#storage-summary').textContent()).toContain('2 chats · 6 events');
    await shot(page, 'desktop-chat');

    await card.getByRole('button', { name: 'Explore with drilldown' }).click();
    const dialog = page.locator('#artifact-dialog');
    await dialog.getByRole('heading', { name: 'q3-sales.csv' }).waitFor();
    await dialog.getByLabel('From row').fill('101');
    await dialog.getByLabel('To row').fill('105');
    await dialog.getByRole('button', { name: 'Show rows' }).click();
    await expect.poll(() => dialog.locator('.drill-call').textContent()).toContain('{"rows":[100,105]}');
    const rows = dialog.locator('.drill-output tbody tr');
    expect(await rows.count()).toBe(5);
    expect(await rows.first().locator('th').textContent()).toBe('101');
    expect(await rows.first().locator('td').first().textContent()).toBe('ORD-10100');
    expect(await rows.last().locator('td').first().textContent()).toBe('ORD-10104');
    expect(await dialog.locator('.drill-output thead th').allTextContents()).toEqual([
      '#',
      'order_id',
      'date',
      'region',
      'product',
      'units',
      'unit_price',
      'total',
    ]);
    await shot(page, 'desktop-drilldown');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: /^Download all of q3-sales\.csv/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('q3-sales.csv');
    const csv = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\n');
    expect(csv).toHaveLength(1201);
    expect(csv[101]!.startsWith('ORD-10100,')).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });

  it('shows chosen keys of a JSON artifact and the first lines of a log', async () => {
    await sendAndWait(page, 'Fetch the agent-gateway config');
    await page
      .locator('.artifact-card')
      .last()
      .getByRole('button', { name: 'Explore with drilldown' })
      .click();
    const dialog = page.locator('#artifact-dialog');
    await dialog.getByRole('heading', { name: 'agent-gateway.config.json' }).waitFor();
    await dialog.getByRole('button', { name: 'limits', exact: true }).click();
    await expect.poll(() => dialog.locator('.drill-call').textContent()).toContain('{"jsonKeys":["limits"]}');
    const json = JSON.parse((await dialog.locator('.drill-output pre').textContent())!);
    expect(json).toEqual({ limits: { maxTokens: 200_000, requestsPerMinute: 600, maxToolCalls: 16 } });
    await page.keyboard.press('Escape');

    await sendAndWait(page, 'Run the build and show me the log');
    const card = page.locator('.artifact-card').last();
    await card.locator('pre').waitFor();
    expect((await card.locator('pre').textContent())!.split('\n')).toHaveLength(6);
    await card.getByRole('button', { name: 'Explore with drilldown' }).click();
    await dialog.getByRole('heading', { name: 'build.log' }).waitFor();
    await dialog.getByLabel('From line').fill('4999');
    await dialog.getByLabel('To line').fill('5000');
    await dialog.getByRole('button', { name: 'Show lines' }).click();
    await expect.poll(() => dialog.locator('.drill-call').textContent()).toContain('{"lines":[4998,5000]}');
    const lines = await dialog.locator('.line-list li').allTextContents();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/DONE {2}build succeeded with \d+ warnings$/);
    await page.keyboard.press('Escape');
  });

  it('renders a message full of markup as text and runs none of it', async () => {
    const evil = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold?</b>';
    await sendAndWait(page, evil);
    const user = page.locator('#transcript article.msg--user').last();
    expect(await user.locator('.msg-text').textContent()).toBe(evil);
    const injected = await page.evaluate(() => ({
      xss: (globalThis as DemoGlobals).__xss ?? null,
      elements: document.querySelectorAll('#transcript img, #transcript script, #transcript b').length,
    }));
    expect(injected).toEqual({ xss: null, elements: 0 });

    await page.locator('#search-input').fill('onerror');
    const hit = page.locator('#search-results [role="option"]', { hasText: 'You ·' }).first();
    await hit.waitFor();
    expect(await hit.locator('.search-hit-snippet').textContent()).toContain('<img src=x onerror=');
    expect(await page.locator('#search-results img, #search-results script').count()).toBe(0);
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => (globalThis as DemoGlobals).__xss ?? null)).toBeNull();
  });

  it('edits a message and regenerates the reply in a fork, leaving the original alone', async () => {
    const chatTitle = await page.locator('#chat-title').textContent();
    const originalId = await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('chat'));
    const before = await sessions(page);
    const firstUser = page.locator('#transcript article.msg--user').first();
    const seq = Number(await firstUser.getAttribute('data-seq'));
    await firstUser.getByRole('button', { name: /Edit message/ }).click();
    await expect.poll(() => page.locator('#composer-edit').isVisible()).toBe(true);
    await page.locator('#composer-input').fill('Show me the Q3 sales table, but for EU only');
    await page.locator('#composer-input').press('Enter');
    await page.waitForFunction((id) => !location.hash.includes(id!), originalId);
    await page.locator('#transcript article.msg--assistant[data-status="partial"]').waitFor();
    await page.waitForFunction(
      () => document.querySelector('#transcript article[data-status="partial"]') === null,
    );
    const after = await sessions(page);
    expect(after).toHaveLength(before.length + 1);
    const fork = after.find((s) => !before.some((b) => b.id === s.id))!;
    expect(fork.title).toBe(`${chatTitle} (edited)`);
    expect(fork.metadata.forkedFrom).toEqual({ sessionId: originalId, seq: seq - 1 });
    const original = after.find((s) => s.id === originalId)!;
    expect(original.eventCount).toBe(before.find((s) => s.id === originalId)!.eventCount);
    expect(await page.locator('#chat-meta').textContent()).toContain(
      `forked from the original before message #${seq}`,
    );
  });

  it('exports to JSONL, deletes all data, and imports the file back to the same sessions', async () => {
    const saved = await sessions(page);
    const savedInfo = await page.evaluate(() => (globalThis as DemoGlobals).threadkeepDemo.store.info());
    expect(saved.length).toBeGreaterThanOrEqual(3);

    await page.getByRole('button', { name: 'Storage & data' }).click();
    const sheet = page.locator('#storage-dialog');
    await sheet.getByText('Fallback reason').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      sheet.getByRole('button', { name: 'Export JSONL' }).click(),
    ]);
    const file = join(profile.dir, 'export.jsonl');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^threadkeep-threadkeep-demo-.*\.jsonl$/);
    expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!)).toMatchObject({
      type: 'threadkeep',
      version: 1,
    });

    await sheet.getByRole('button', { name: 'Delete all data' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Delete everything' }).click();
    await page.locator('#session-list .session-empty').waitFor();
    const emptied = await page.evaluate(() => (globalThis as DemoGlobals).threadkeepDemo.store.info());
    expect(emptied.counts).toEqual({ sessions: 0, events: 0, artifacts: 0 });
    expect(await page.locator('#welcome').isVisible()).toBe(true);

    await page.locator('#import-file').setInputFiles(file);
    const report = sheet.locator('.import-report');
    await report.waitFor();
    const numbers = await report.locator('dd').allTextContents();
    expect(numbers).toEqual([
      String(saved.length),
      savedInfo.counts.events.toLocaleString('en-US'),
      String(savedInfo.counts.artifacts),
      '0',
      '0',
    ]);
    expect(await sessions(page)).toEqual(saved);
    const restored = await page.evaluate(() => (globalThis as DemoGlobals).threadkeepDemo.store.info());
    expect(restored.counts).toEqual(savedInfo.counts);
    await expect.poll(() => page.locator('#session-list .session').count()).toBe(saved.length);
    await shot(page, 'desktop-storage-import');
    await page.keyboard.press('Escape');
  });

  it('seeds 10 000 events with a progress bar and scrolls them with a small DOM', async () => {
    await page.getByRole('button', { name: 'Storage & data' }).click();
    const sheet = page.locator('#storage-dialog');
    await sheet.getByRole('button', { name: 'Seed 10 000 events' }).click();
    await sheet.locator('progress').waitFor();
    await sheet.getByText(/^Seeded 10,000 events in/).waitFor({ timeout: 120_000 });
    await shot(page, 'desktop-storage');
    await sheet.getByRole('button', { name: 'Open the seeded chat' }).click();

    const articles = page.locator('#transcript article.msg');
    await page.locator('#transcript article[data-seq="10000"]').waitFor();
    expect(await articles.count()).toBeLessThan(60);
    const seqs = async () =>
      await articles.evaluateAll((a) => a.map((e) => Number(e.getAttribute('data-seq'))));
    // Scrolling up loads older pages with list({ beforeSeq }); the DOM stays a window.
    for (let i = 0; i < 6; i++) {
      await page.locator('#transcript').evaluate((t) => t.scrollTo({ top: 0 }));
      await page.waitForTimeout(150);
    }
    await expect.poll(async () => Math.min(...(await seqs()))).toBeLessThan(9_600);
    expect(await articles.count()).toBeLessThan(60);
    await shot(page, 'desktop-seeded');

    // One message among 10 000, found by its unique reference word and opened in place.
    const { reference } = await page.evaluate(async () => {
      const store = (globalThis as DemoGlobals).threadkeepDemo.store;
      const id = new URLSearchParams(location.hash.slice(1)).get('chat')!;
      const [event] = await store.events.list(id, { afterSeq: 122, limit: 1 });
      return { reference: /\(ref (\w+)\)/.exec(String(event!.content))![1] };
    });
    await page.locator('#search-input').fill(reference!);
    const hits = page.locator('#search-results [role="option"]');
    await hits.first().waitFor();
    expect(await hits.count()).toBe(1);
    await page.locator('#search-input').press('Enter');
    const target = page.locator('#transcript article[data-seq="123"]');
    await target.waitFor();
    await expect.poll(() => target.evaluate((a) => a === document.activeElement)).toBe(true);
    // Still there a moment later: loading the pages around it must not scroll it away.
    await page.waitForTimeout(600);
    const box = await target.boundingBox();
    expect(box!.y).toBeGreaterThan(0);
    expect(box!.y).toBeLessThan(DESKTOP.height);
    expect(await articles.count()).toBeLessThan(60);
    await page.locator('#search-input').fill('');
  });

  it('lands a jump on its message whatever order the loads finish in, on a throttled CPU', async () => {
    // A loaded CI machine, and a jump whose reads come back only after the reader has scrolled
    // the old window to its top: that layout asks for the page before the old window, and that
    // page must not end up in (or scroll away) the new one.
    const seq = 4321;
    const cdp = await profile.context.newCDPSession(page);
    try {
      await page.locator('#session-list .session-link', { hasText: 'Seeded chat' }).click();
      await page.locator('#transcript article[data-seq="10000"]').waitFor();
      const reference = await page.evaluate(async (at) => {
        const store = (globalThis as DemoGlobals).threadkeepDemo.store;
        const id = new URLSearchParams(location.hash.slice(1)).get('chat')!;
        const [event] = await store.events.list(id, { afterSeq: at - 1, limit: 1 });
        return /\(ref (\w+)\)/.exec(String(event!.content))![1]!;
      }, seq);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await page.evaluate((at) => {
        const w = globalThis as DemoGlobals;
        const events = w.threadkeepDemo.store.events;
        const list = events.list;
        let release = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const jump = { held: 0, release, restore: () => (events.list = list) };
        w.__jump = jump;
        events.list = async (sessionId, options) => {
          if (options?.afterSeq === at || options?.beforeSeq === at + 1) {
            jump.held++;
            await gate;
          }
          return list(sessionId, options);
        };
      }, seq);
      await page.locator('#search-input').fill(reference);
      const hits = page.locator('#search-results [role="option"]');
      await hits.first().waitFor();
      expect(await hits.count()).toBe(1);
      await page.locator('#search-input').press('Enter');
      await page.waitForFunction(() => (globalThis as DemoGlobals).__jump!.held === 2);
      await page.locator('#transcript').evaluate(async (t) => {
        t.scrollTo({ top: 0 });
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      });
      await page.evaluate(() => (globalThis as DemoGlobals).__jump!.release());

      const target = page.locator(`#transcript article[data-seq="${seq}"]`);
      await target.waitFor();
      await expect.poll(() => target.evaluate((a) => a === document.activeElement)).toBe(true);
      await page.waitForTimeout(1000);
      expect(await target.evaluate((a) => a === document.activeElement)).toBe(true);
      const box = await target.boundingBox();
      expect(box!.y).toBeGreaterThan(0);
      expect(box!.y).toBeLessThan(DESKTOP.height);
      expect(await page.evaluate(() => location.hash)).toContain(`at=${seq}`);

      // Above the message come the ones before it, in order: no page of the old window.
      const articles = page.locator('#transcript article.msg');
      const seqs = () => articles.evaluateAll((a) => a.map((e) => Number(e.getAttribute('data-seq'))));
      await page.locator('#transcript').evaluate((t) => t.scrollTo({ top: 0 }));
      await expect.poll(async () => Math.max(...(await seqs()))).toBeLessThan(seq);
      const above = await seqs();
      expect(above).toEqual(above.map((_, i) => above[0]! + i));
      expect(above.length).toBeLessThan(60);
    } finally {
      await page.evaluate(() => (globalThis as DemoGlobals).__jump?.restore());
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      await cdp.detach();
      await page.locator('#search-input').fill('');
    }
  });

  it('fits a phone-sized screen, with the chats in a drawer', async () => {
    await page.setViewportSize(PHONE);
    await expect.poll(() => page.locator('#sidebar').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Show chats' }).click();
    await expect.poll(() => page.locator('#sidebar').isVisible()).toBe(true);
    await page.waitForTimeout(300);
    await shot(page, 'phone-sidebar');
    // The fork made by "edit and regenerate": a short chat with a table in view.
    await page.locator('#session-list .session-link', { hasText: '(edited)' }).click();
    await expect.poll(() => page.locator('#sidebar').isVisible()).toBe(false);
    await page.locator('.artifact-card tbody tr').first().waitFor();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'phone-chat');

    await page.getByRole('button', { name: 'Storage & data' }).click();
    await page.locator('#storage-dialog').getByText('Fallback reason').waitFor();
    await shot(page, 'phone-storage');
    await page.keyboard.press('Escape');
    await page.setViewportSize(DESKTOP);
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

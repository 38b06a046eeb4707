/**
 * Two tabs of the demo on one profile update each other live through `subscribe`: one tab leads
 * (holds the database), the other follows. Needs the multi-tab work in src/tabs/; until it lands
 * the second tab cannot open the store, and this test fails at its first check.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type Profile, repoRoot } from './harness.js';

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

async function openTab(): Promise<Page> {
  const page = await profile.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(demo.url);
  await page.waitForSelector('html[data-ready]', { timeout: 60_000 });
  return page;
}

/** The role this tab's store reports, read from the sidebar summary ("OPFS · follower"). */
async function role(page: Page): Promise<string | undefined> {
  return (await page.locator('#storage-summary strong').textContent())?.split(' · ')[1];
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('#composer-input').fill(text);
  await page.locator('#composer-input').press('Enter');
}

beforeAll(async () => {
  demo = await startDemo();
  profile = await launchProfile();
});

afterAll(async () => {
  await profile?.dispose();
  demo?.child.kill('SIGTERM');
});

describe('the demo in two tabs', () => {
  it('shows each tab what the other writes, as it is written', async () => {
    const first = await openTab();
    const second = await openTab();
    // The second tab opened the same store: no "could not open" banner, and it follows.
    expect(await second.locator('#banner').isVisible()).toBe(false);
    await expect.poll(() => role(first)).toBe('leader');
    await expect.poll(() => role(second)).toBe('follower');

    // A chat started in the first tab appears in the second tab's sidebar without a reload.
    await send(first, 'Hello from the first tab');
    const link = second.locator('#session-list .session-link', { hasText: 'Hello from the first tab' });
    await link.waitFor();
    await first.waitForFunction(
      () => document.querySelector('#transcript article.msg--assistant[data-status="complete"]') !== null,
    );

    // With the chat open in the second tab, a new message and its streamed reply arrive live.
    await link.click();
    await second.locator('#transcript article.msg--assistant[data-status="complete"]').waitFor();
    await send(first, 'Second message, watched from the other tab');
    await second
      .locator('#transcript article.msg--user', { hasText: 'Second message, watched from the other tab' })
      .waitFor();
    await second.locator('#transcript article.msg--assistant[data-status="partial"]').waitFor();
    await second.waitForFunction(
      () =>
        document.querySelectorAll('#transcript article.msg--assistant[data-status="complete"]').length === 2,
    );
    const texts = async (page: Page) => page.locator('#transcript article .msg-text').allTextContents();
    expect(await texts(second)).toEqual(await texts(first));
    mkdirSync(join(repoRoot, 'docs/screenshots'), { recursive: true });
    await second.screenshot({ path: join(repoRoot, 'docs/screenshots/desktop-follower-tab.png') });

    // And the other way round: the follower writes, the leader sees it.
    await send(second, 'A reply typed in the second tab');
    await first
      .locator('#transcript article.msg--user', { hasText: 'A reply typed in the second tab' })
      .waitFor();
    await first.waitForFunction(
      () =>
        document.querySelectorAll('#transcript article.msg--assistant[data-status="complete"]').length === 3,
    );
    expect(await texts(first)).toEqual(await texts(second));
  });
});

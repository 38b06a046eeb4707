/**
 * The store's dedicated worker dies (closed from inside, as an out-of-memory kill or a crash
 * would end it, with nothing said to the page) while calls are in flight. Every call must settle:
 * resolved on a fresh worker and applied exactly once, or rejected with a ThreadkeepError; the
 * next call works, and so does a reopen. A worker that dies again under the retried call makes
 * that call reject instead of looping; one that dies while starting makes its caller reject
 * instead of waiting forever.
 *
 * Deaths are placed exactly: every worker the page starts first runs a prelude that, when a given
 * message arrives (the kill plan the page set before starting it), drops every reply the worker
 * sends from then on and closes it a moment later: the call may have been applied in the worker,
 * but its caller never hears so. The "random moment" case closes the worker from Playwright.
 */
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type Profile, serveBuilt, testAppRoot } from './harness.js';

let app: Awaited<ReturnType<typeof serveBuilt>>;
const outcomes: Record<string, unknown>[] = [];

beforeAll(async () => {
  app = await serveBuilt(testAppRoot);
});
afterAll(async () => {
  await app?.close();
  for (const row of outcomes) console.log(JSON.stringify(row));
});

/** Bounds every wait in the page: a call that hangs shows as 'TIMEOUT' instead of stalling the test. */
const CALL_TIMEOUT_MS = 20_000;

/**
 * Every worker the page starts takes the next entry of `globalThis.killPlans` (none: it lives) and
 * dies when the planned message arrives: `on` is a comlink call ('open') or an invoked method
 * ('events.append'), `after` how many of those it lets through first.
 */
const WORKER_PRELUDE = `(() => {
  const Original = globalThis.Worker;
  globalThis.workersStarted = 0;
  globalThis.killPlans = [];
  globalThis.Worker = function (url, options) {
    globalThis.workersStarted++;
    const plan = globalThis.killPlans.shift() ?? null;
    const target = new URL(url, location.href).href;
    const source = [
      'const plan = ' + JSON.stringify(plan) + ';',
      'let seen = 0;',
      'addEventListener("message", (e) => {',
      '  const d = e.data;',
      '  if (!plan || !d || !Array.isArray(d.path)) return;',
      '  const name = d.path[0] === "invoke" ? d.argumentList?.[0]?.value : d.path[0];',
      '  if (name !== plan.on || ++seen <= (plan.after ?? 0)) return;',
      // comlink answers through self.postMessage: from now on nothing reaches the page.
      '  self.postMessage = () => {};',
      '  setTimeout(() => close(), 20);',
      '});',
      // Messages that arrive while the real module loads are held, then replayed to it.
      'const held = []; const hold = (e) => { held.push(e); e.stopImmediatePropagation(); };',
      'addEventListener("message", hold);',
      'await import(' + JSON.stringify(target) + ');',
      'removeEventListener("message", hold);',
      'for (const e of held) dispatchEvent(new MessageEvent("message", { data: e.data, ports: [...e.ports] }));',
    ].join('\\n');
    return new Original(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), options);
  };
})();`;

async function openPage(profile: Profile, backend: string): Promise<Page> {
  const page = await profile.context.newPage();
  await page.goto(app.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await page.evaluate(
    ({ backend, timeout }) => {
      const w = globalThis as any;
      w.backend = backend;
      // Every call the test makes goes through here: settled or 'TIMEOUT', never pending.
      w.settle = (promise: Promise<unknown>) =>
        Promise.race([
          promise.then(
            (value) => ({ ok: true, value }),
            (e: any) => ({
              ok: false,
              code: e?.code,
              message: e?.message,
              isThreadkeepError: e instanceof w.tk.ThreadkeepError,
            }),
          ),
          new Promise((resolve) => setTimeout(() => resolve({ ok: false, code: 'TIMEOUT' }), timeout)),
        ]);
      w.open = () => w.settle(w.tk.openStore({ name: 'dying', backend }));
    },
    { backend, timeout: CALL_TIMEOUT_MS },
  );
  return page;
}

/** Opens the store in the page (its worker takes the next kill plan); the outcome of openStore. */
function openStore(page: Page): Promise<any> {
  return page.evaluate(async () => {
    const w = globalThis as any;
    const opened = await w.open();
    if (opened.ok) w.store = opened.value;
    return { ok: opened.ok, code: opened.code, message: opened.message };
  });
}

function planKills(page: Page, plans: ({ on: string; after?: number } | null)[]): Promise<void> {
  return page.evaluate((p) => {
    (globalThis as any).killPlans.push(...p);
  }, plans);
}

/** Every event of a session: [seq, marker] pairs. */
function markers(page: Page, session: string): Promise<[number, number][]> {
  return page.evaluate(async (s) => {
    const w = globalThis as any;
    const listed = await w.settle(w.store.events.list(s, { limit: 10_000 }));
    if (!listed.ok) throw new Error(`listing ${s}: ${listed.code} ${listed.message}`);
    return listed.value.map((e: any) => [e.seq, e.metadata.marker]);
  }, session);
}

/** The next call works, and a reopened store sees the same events. */
async function expectUsableAndReopenable(page: Page, session: string): Promise<void> {
  const next = await page.evaluate(async (s) => {
    const w = globalThis as any;
    return w.settle(w.store.events.append(s, { content: 'after', metadata: { marker: -1 } }));
  }, session);
  expect(next).toMatchObject({ ok: true });
  const before = await markers(page, session);
  const reopened = await page.evaluate(async () => {
    const w = globalThis as any;
    const closed = await w.settle(w.store.close());
    if (!closed.ok) return closed;
    const opened = await w.open();
    if (opened.ok) w.store = opened.value;
    return opened.ok ? { ok: true } : opened;
  });
  expect(reopened).toEqual({ ok: true });
  expect(await markers(page, session)).toEqual(before);
}

function expectExactlyOnce(events: [number, number][], wanted: number[]): void {
  expect(events.map(([seq]) => seq)).toEqual(events.map((_, i) => i + 1));
  expect(
    events
      .map(([, marker]) => marker)
      .filter((m) => m >= 0)
      .sort((a, b) => a - b),
  ).toEqual([...wanted].sort((a, b) => a - b));
}

describe('the store worker dies', () => {
  for (const backend of ['opfs', 'indexeddb'] as const) {
    describe(backend, () => {
      let profile: Profile;
      beforeAll(async () => {
        profile = await launchProfile();
        await profile.context.addInitScript(WORKER_PRELUDE);
      });
      afterAll(async () => {
        await profile?.dispose();
      });

      it('under 40 concurrent appends and reads: each settles, appends land exactly once', async () => {
        const page = await openPage(profile, backend);
        // The first worker dies when the 12th append reaches it; its replacement lives.
        await planKills(page, [{ on: 'events.append', after: 11 }]);
        expect(await openStore(page)).toMatchObject({ ok: true });
        // No requestId: only the call ids the tab layer adds keep a retried append from applying twice.
        const settled = await page.evaluate(async () => {
          const w = globalThis as any;
          const calls = [];
          for (let i = 0; i < 40; i++) {
            calls.push(
              w.settle(w.store.events.append('burst', { content: `event ${i}`, metadata: { marker: i } })),
            );
            if (i % 8 === 0) calls.push(w.settle(w.store.events.list('burst', { limit: 1000 })));
          }
          const results = await Promise.all(calls);
          return { results, workersStarted: w.workersStarted };
        });
        outcomes.push({
          backend,
          case: 'one death under 40 appends + 5 reads',
          resolved: settled.results.filter((r: any) => r.ok).length,
          rejected: settled.results.filter((r: any) => !r.ok).map((r: any) => r.code),
          workersStarted: settled.workersStarted,
        });
        expect(settled.results.filter((r: any) => !r.ok)).toEqual([]);
        expect(settled.workersStarted).toBe(2);
        expectExactlyOnce(
          await markers(page, 'burst'),
          Array.from({ length: 40 }, (_, i) => i),
        );
        await expectUsableAndReopenable(page, 'burst');
        await page.close();
      });

      it('at a random moment of 300 appends one by one (closed from Playwright)', async () => {
        const page = await openPage(profile, backend);
        expect(await openStore(page)).toMatchObject({ ok: true });
        const run = page.evaluate(async () => {
          const w = globalThis as any;
          const results = [];
          w.done = 0;
          for (let i = 0; i < 300; i++) {
            const r = await w.settle(
              w.store.events.append('steady', { content: `event ${i}`, metadata: { marker: i } }),
            );
            results.push(r.ok ? 'ok' : `${r.code}: ${r.message}`);
            w.done++;
            if (r.code === 'TIMEOUT') break;
          }
          return { results, workersStarted: w.workersStarted };
        });
        // Somewhere in the first two thirds of the run, at no particular point of a call.
        const killAfter = 20 + Math.floor(Math.random() * 180);
        while ((await page.evaluate(() => (globalThis as any).done)) < killAfter)
          await new Promise((resolve) => setTimeout(resolve, 5));
        // The page's only worker is the store's (its URL is the prelude's blob: URL here).
        const workers = page.workers();
        expect(workers.length).toBeGreaterThan(0);
        await Promise.all(workers.map((w) => w.evaluate(() => close()).catch(() => {})));
        const { results, workersStarted } = await run;
        outcomes.push({
          backend,
          case: `closed from Playwright after ${killAfter} of 300 appends`,
          resolved: results.filter((r) => r === 'ok').length,
          rejected: results.filter((r) => r !== 'ok'),
          workersStarted,
        });
        expect(results.filter((r) => r !== 'ok')).toEqual([]);
        expect(workersStarted).toBe(2);
        expectExactlyOnce(
          await markers(page, 'steady'),
          Array.from({ length: 300 }, (_, i) => i),
        );
        await expectUsableAndReopenable(page, 'steady');
        await page.close();
      });

      it("under a follower's 300 appends one by one: they settle, land once; the leader restarts it", async () => {
        // The leader's worker answers other tabs itself; the calls it heard as it died are lost
        // with it, and must reach its replacement through the leader's next announcement.
        const leader = await openPage(profile, backend);
        expect(await openStore(leader)).toMatchObject({ ok: true });
        const follower = await openPage(profile, backend);
        expect(await openStore(follower)).toMatchObject({ ok: true });
        expect(await follower.evaluate(async () => (await (globalThis as any).store.info()).role)).toBe(
          'follower',
        );
        const run = follower.evaluate(async () => {
          const w = globalThis as any;
          const results = [];
          w.done = 0;
          for (let i = 0; i < 300; i++) {
            const r = await w.settle(
              w.store.events.append('followed', { content: `event ${i}`, metadata: { marker: i } }),
            );
            results.push(r.ok ? 'ok' : `${r.code}: ${r.message}`);
            w.done++;
            if (r.code === 'TIMEOUT') break;
          }
          return results;
        });
        const killAfter = 20 + Math.floor(Math.random() * 180);
        while ((await follower.evaluate(() => (globalThis as any).done)) < killAfter)
          await new Promise((resolve) => setTimeout(resolve, 5));
        const workers = leader.workers();
        expect(workers.length).toBeGreaterThan(0);
        await Promise.all(workers.map((w) => w.evaluate(() => close()).catch(() => {})));
        const results = await run;
        const workersStarted = await leader.evaluate(() => (globalThis as any).workersStarted);
        outcomes.push({
          backend,
          case: `leader's worker closed after ${killAfter} of a follower's 300 appends`,
          resolved: results.filter((r) => r === 'ok').length,
          rejected: results.filter((r) => r !== 'ok'),
          workersStarted,
        });
        expect(results.filter((r) => r !== 'ok')).toEqual([]);
        expect(workersStarted).toBe(2);
        expectExactlyOnce(
          await markers(follower, 'followed'),
          Array.from({ length: 300 }, (_, i) => i),
        );
        expect(await markers(leader, 'followed')).toEqual(await markers(follower, 'followed'));
        await follower.close();
        await leader.close();
      });

      it('twice under the same call: that call rejects instead of looping; a retry with its requestId lands once', async () => {
        const page = await openPage(profile, backend);
        await planKills(page, [{ on: 'events.append' }, { on: 'events.append' }]);
        expect(await openStore(page)).toMatchObject({ ok: true });
        const result = await page.evaluate(async () => {
          const w = globalThis as any;
          const first = await w.settle(
            w.store.events.append('twice', { requestId: 'r1', content: 'x', metadata: { marker: 1 } }),
          );
          const startedDuringCall = w.workersStarted;
          // The caller's way out: the same call again, with the same requestId.
          const again = await w.settle(
            w.store.events.append('twice', { requestId: 'r1', content: 'x', metadata: { marker: 1 } }),
          );
          return { first, startedDuringCall, again: again.ok, workersStarted: w.workersStarted };
        });
        outcomes.push({
          backend,
          case: 'two deaths under one call',
          first: result.first.code,
          message: result.first.message,
        });
        expect(result.first).toMatchObject({ ok: false, code: 'INTERNAL', isThreadkeepError: true });
        expect(result.first.message).toMatch(/worker.*stopped/);
        expect(result.startedDuringCall).toBe(2);
        expect(result.again).toBe(true);
        expect(result.workersStarted).toBe(3);
        expectExactlyOnce(await markers(page, 'twice'), [1]);
        await expectUsableAndReopenable(page, 'twice');
        await page.close();
      });

      it('while its replacement starts: the retried call rejects, the next call starts a worker that works', async () => {
        const page = await openPage(profile, backend);
        await planKills(page, [{ on: 'events.append' }, { on: 'open' }]);
        expect(await openStore(page)).toMatchObject({ ok: true });
        const result = await page.evaluate(async () => {
          const w = globalThis as any;
          const first = await w.settle(
            w.store.events.append('starting', { requestId: 'r1', metadata: { marker: 1 } }),
          );
          const again = await w.settle(
            w.store.events.append('starting', { requestId: 'r1', metadata: { marker: 1 } }),
          );
          return { first, again: again.ok, workersStarted: w.workersStarted };
        });
        outcomes.push({
          backend,
          case: 'death, then death of the replacement while it opens',
          first: result.first.code,
          message: result.first.message,
        });
        expect(result.first).toMatchObject({ ok: false, isThreadkeepError: true });
        expect(result.first.code).not.toBe('TIMEOUT');
        expect(result.again).toBe(true);
        expect(result.workersStarted).toBe(3);
        expectExactlyOnce(await markers(page, 'starting'), [1]);
        await expectUsableAndReopenable(page, 'starting');
        await page.close();
      });

      it('while openStore starts it: openStore rejects, and opening again works', async () => {
        const page = await openPage(profile, backend);
        await planKills(page, [{ on: 'open' }]);
        const first = await openStore(page);
        outcomes.push({ backend, case: 'death during openStore', first: first.code, message: first.message });
        expect(first).toMatchObject({ ok: false });
        expect(first.code).not.toBe('TIMEOUT');
        expect(await openStore(page)).toMatchObject({ ok: true });
        await expectUsableAndReopenable(page, 'after-open');
        await page.close();
      });
    });
  }
});

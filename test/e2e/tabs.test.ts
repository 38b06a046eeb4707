/**
 * Many tabs, one store: pages of one persistent Chromium profile open the same store; one leads,
 * the others forward. Acknowledged appends are reported to the test (Node side) as they resolve,
 * so a page that is closed or crashed mid-run still leaves a record of what it was told.
 */
import type { Page } from 'playwright';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchProfile, type Profile, serveBuilt, testAppRoot } from './harness.js';

// The app built as a user ships it: takeover times are those of a bundled worker, not of the dev
// server's hundreds of worker modules (~0.5 s more to start a worker; test/e2e/bundler.test.ts
// covers the dev server).
let server: Awaited<ReturnType<typeof serveBuilt>>;
let url: string;
let profile: Profile;

beforeAll(async () => {
  server = await serveBuilt(testAppRoot);
  ({ url } = server);
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  profile = await launchProfile();
});
afterEach(async () => {
  await profile.dispose();
});

interface Ack {
  page: string;
  requestId: string;
  session: string;
  seq: number;
}

async function openPage(name: string, acks: Ack[], errors: string[]): Promise<Page> {
  const page = await profile.context.newPage();
  await page.exposeFunction('reportAck', (a: Ack) => acks.push(a));
  await page.exposeFunction('reportError', (e: string) => errors.push(`${name}: ${e}`));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await page.evaluate(async (tag) => {
    const w = globalThis as any;
    w.store = await w.tk.openStore({ name: 'shared' });
    w.tag = tag;
  }, name);
  return page;
}

/** Starts appending `count` events one by one to 'shared' and to the page's own session. */
function startAppends(page: Page, count: number, options: { throwOnError?: boolean } = {}): Promise<void> {
  return page.evaluate(
    async ({ count, throwOnError }) => {
      const w = globalThis as any;
      for (let i = 0; i < count; i++) {
        for (const session of ['shared', `own-${w.tag}`]) {
          const requestId = `${w.tag}-${session}-${i}`;
          try {
            const [e] = await w.store.events.append(session, {
              role: 'user',
              content: `${w.tag} ${i}`,
              requestId,
            });
            await w.reportAck({ page: w.tag, requestId, session, seq: e.seq });
          } catch (error: any) {
            await w.reportError(`${error?.name}/${error?.code}: ${error?.message}`);
            if (throwOnError) throw error;
          }
        }
      }
    },
    { count, throwOnError: options.throwOnError ?? true },
  );
}

async function roles(pages: Page[]): Promise<string[]> {
  return Promise.all(pages.map((p) => p.evaluate(async () => (await (globalThis as any).store.info()).role)));
}

async function allEvents(page: Page, session: string): Promise<{ seq: number; requestId: string }[]> {
  return page.evaluate(async (s) => {
    const store = (globalThis as any).store;
    const out: any[] = [];
    let after = 0;
    for (;;) {
      const batch = await store.events.list(s, { afterSeq: after, limit: 10_000 });
      out.push(...batch.map((e: any) => ({ seq: e.seq, requestId: e.requestId })));
      if (batch.length < 10_000) return out;
      after = batch.at(-1).seq;
    }
  }, session);
}

function expectExactlyOnce(events: { seq: number; requestId: string }[], acked: Ack[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const ids = events.map((e) => e.requestId);
  expect(new Set(ids).size).toBe(ids.length);
  const stored = new Set(ids);
  const missing = acked.filter((a) => !stored.has(a.requestId));
  expect(missing).toEqual([]);
}

describe('tabs', () => {
  it('four pages append 500 events each to a shared session and their own', async () => {
    const acks: Ack[] = [];
    const errors: string[] = [];
    const pages = [];
    for (const name of ['p0', 'p1', 'p2', 'p3']) pages.push(await openPage(name, acks, errors));
    expect((await roles(pages)).sort()).toEqual(['follower', 'follower', 'follower', 'leader']);
    await Promise.all(pages.map((p) => startAppends(p, 500)));
    expect(errors).toEqual([]);
    expect(acks).toHaveLength(4 * 500 * 2);
    for (const page of pages) {
      const shared = await allEvents(page, 'shared');
      expect(shared).toHaveLength(2000);
      expectExactlyOnce(
        shared,
        acks.filter((a) => a.session === 'shared'),
      );
      for (const name of ['p0', 'p1', 'p2', 'p3']) {
        const own = await allEvents(page, `own-${name}`);
        expect(own.map((e) => e.requestId)).toEqual(
          Array.from({ length: 500 }, (_, i) => `${name}-own-${name}-${i}`),
        );
      }
    }
  });

  for (const how of ['closed', 'crashed'] as const) {
    it(`the leader page is ${how} mid-run: acknowledged appends stay exactly once, a new leader takes over`, async () => {
      const acks: Ack[] = [];
      const errors: string[] = [];
      const pages = [];
      for (const name of ['a', 'b', 'c']) pages.push(await openPage(name, acks, errors));
      const leaderIndex = (await roles(pages)).indexOf('leader');
      const leader = pages[leaderIndex]!;
      const followers = pages.filter((p) => p !== leader);
      const runs = followers.map((p) => startAppends(p, 300));
      // Awaited below; a failed assertion before that must not leave them unhandled.
      for (const run of runs) run.catch(() => {});
      const leaderRun = startAppends(leader, 300, { throwOnError: false }).catch(() => {});
      while (acks.length < 200) await new Promise((r) => setTimeout(r, 20));
      const stoppedAt = Date.now();
      if (how === 'closed') {
        await leader.close();
      } else {
        const cdp = await profile.context.newCDPSession(leader);
        const crashed = new Promise((resolve) => leader.once('crash', resolve));
        // The crashed page never answers this command: do not wait for it, wait for the crash.
        void cdp.send('Page.crash').catch(() => {});
        await crashed;
      }
      await leaderRun;
      // Some follower must lead within 1 s of the old leader going away.
      let newLeaderAt = 0;
      while (!newLeaderAt) {
        const r = await roles(followers);
        if (r.includes('leader')) newLeaderAt = Date.now();
        else await new Promise((res) => setTimeout(res, 10));
        if (Date.now() - stoppedAt > 5000) break;
      }
      console.log(`new leader ${newLeaderAt - stoppedAt} ms after the leader was ${how}`);
      expect(newLeaderAt - stoppedAt).toBeLessThan(1000);
      await Promise.all(runs);
      expect(errors).toEqual([]);
      const survivor = followers[0]!;
      const shared = await allEvents(survivor, 'shared');
      expectExactlyOnce(
        shared,
        acks.filter((a) => a.session === 'shared'),
      );
      for (const p of followers) {
        const tag = await p.evaluate(() => (globalThis as any).tag);
        expect((await allEvents(survivor, `own-${tag}`)).map((e) => e.requestId)).toEqual(
          Array.from({ length: 300 }, (_, i) => `${tag}-own-${tag}-${i}`),
        );
      }
    });
  }

  it('reloading the leader again and again leaves no stale lock and loses no write', async () => {
    const acks: Ack[] = [];
    const errors: string[] = [];
    const pages = [await openPage('x', acks, errors), await openPage('y', acks, errors)];
    const leader = pages[(await roles(pages)).indexOf('leader')]!;
    const follower = pages.find((p) => p !== leader)!;
    const run = startAppends(follower, 400);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await leader.reload();
      await leader.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
      await leader.evaluate(async () => {
        const w = globalThis as any;
        w.store = await w.tk.openStore({ name: 'shared' });
        await w.store.events.append('reloads', { content: 'after reload' });
      });
    }
    await run;
    expect(errors).toEqual([]);
    expect(acks).toHaveLength(800);
    expectExactlyOnce(
      await allEvents(leader, 'shared'),
      acks.filter((a) => a.session === 'shared'),
    );
    const tag = await follower.evaluate(() => (globalThis as any).tag);
    expectExactlyOnce(
      await allEvents(leader, `own-${tag}`),
      acks.filter((a) => a.session === `own-${tag}`),
    );
    expect(await allEvents(follower, 'reloads')).toHaveLength(5);
  });

  it("a subscriber in page B hears all of page A's changes, in order", async () => {
    const pages = [await openPage('A', [], []), await openPage('B', [], [])];
    await pages[1]!.evaluate(() => {
      const w = globalThis as any;
      w.heard = [];
      w.store.subscribe((c: any) => w.heard.push(c));
    });
    const appended = await pages[0]!.evaluate(async () => {
      const store = (globalThis as any).store;
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) ids.push((await store.events.append('watched', { content: i }))[0].id);
      await store.sessions.update('watched', { title: 'done' });
      return ids;
    });
    await pages[1]!.waitForFunction(() => (globalThis as any).heard.length >= 52);
    const heard = await pages[1]!.evaluate(() => (globalThis as any).heard);
    expect(heard[0]).toMatchObject({ kind: 'session', op: 'create', sessionId: 'watched' });
    expect(heard.slice(1, 51).map((c: any) => c.ids[0])).toEqual(appended);
    expect(heard.slice(1, 51).map((c: any) => c.revision)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(heard[51]).toMatchObject({ kind: 'session', op: 'update', revision: 51 });
    expect(heard).toHaveLength(52);
  });
  it('works with tabs of the version before the calls channel, either leading or following', async () => {
    // An old tab is played by raw BroadcastChannel messages of the earlier protocol: calls on
    // the store's channel, and a leader announcement without `protocol`.
    const acks: Ack[] = [];
    const errors: string[] = [];
    const leader = await openPage('new-leader', acks, errors);
    const oldFollower = await profile.context.newPage();
    await oldFollower.goto(url);
    const answered = await oldFollower.evaluate(async () => {
      const store = new BroadcastChannel('threadkeep:shared');
      const inbox = new BroadcastChannel('threadkeep:shared:old-follower');
      const leaderId = await new Promise<string>((resolve) => {
        store.onmessage = (e) => {
          if (e.data.type === 'leader') resolve(e.data.leaderId);
        };
        store.postMessage({ type: 'hello', from: 'old-follower' });
      });
      const result = new Promise<any>((resolve) => {
        inbox.onmessage = (e) => resolve(e.data);
      });
      store.postMessage({
        type: 'call',
        from: 'old-follower',
        id: 1,
        method: 'events.append',
        args: ['shared', { role: 'user', content: 'from an old tab' }],
        callId: 'old-follower:00000001',
        to: leaderId,
      });
      const r = await result;
      store.close();
      inbox.close();
      return { ok: r.ok, seq: r.value?.[0]?.seq };
    });
    expect(answered).toEqual({ ok: true, seq: 1 });
    expect((await allEvents(leader, 'shared')).map((e) => e.seq)).toEqual([1]);
    await leader.close();
    await oldFollower.close();

    // An old leader: a follower of this version must send its calls on the store's channel.
    const oldLeader = await profile.context.newPage();
    await oldLeader.goto(url);
    await oldLeader.evaluate(() => {
      const w = globalThis as any;
      w.heard = [];
      // Holds the store's lock, as a leader does, and answers the way an old leader would.
      void navigator.locks.request('threadkeep:legacy', () => new Promise(() => {}));
      const store = new BroadcastChannel('threadkeep:legacy');
      const announce = () =>
        store.postMessage({ type: 'leader', leaderId: 'old-leader', backend: 'opfs', fallbackReason: null });
      store.onmessage = (e) => {
        if (e.data.type === 'hello') announce();
        if (e.data.type === 'call' && e.data.to === 'old-leader') {
          w.heard.push(e.data.method);
          new BroadcastChannel(`threadkeep:legacy:${e.data.from}`).postMessage({
            type: 'result',
            id: e.data.id,
            ok: true,
            value: 'answered by the old leader',
          });
        }
      };
    });
    const follower = await profile.context.newPage();
    await follower.goto(url);
    await follower.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const followed = await follower.evaluate(async () => {
      const w = globalThis as any;
      const store = await w.tk.openStore({ name: 'legacy' });
      return store.sessions.list();
    });
    expect(followed).toBe('answered by the old leader');
    expect(await oldLeader.evaluate(() => (globalThis as any).heard)).toEqual(['sessions.list']);
    expect(errors).toEqual([]);
  });
});

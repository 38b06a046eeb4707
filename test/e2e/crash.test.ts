/**
 * Crash campaign: a page appends events (one by one and in batches of up to 50), and the whole
 * browser is killed with SIGKILL at a random moment — mid-write most of the time, around the
 * engine's idle maintenance (WAL checkpoint, journal compaction) the rest. The same profile is
 * launched again, and the store must hold every acknowledged write exactly once, every batch whole
 * or not at all, seqs without gaps, and a database that passes `PRAGMA integrity_check`.
 *
 * One profile per configuration takes all of its trials in a row, so each relaunch also re-checks
 * everything the earlier trials left: a later crash must not lose an earlier write either.
 * Acknowledgements reach the test through `page.exposeFunction`, awaited before the next write,
 * so the test knows of every acknowledged batch but the one whose report the kill cut off.
 *
 * TK_CRASH_TRIALS (default 20) sets the trials per configuration; TK_CRASH_SEED replays a run.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/core/damaged-image.js';
import {
  exportedImage,
  killBrowser,
  launchProfile,
  newProfileDir,
  type Profile,
  serveBuilt,
  testAppRoot,
} from './harness.js';

const TRIALS = Number(process.env.TK_CRASH_TRIALS ?? 20);
const SEED = Number(process.env.TK_CRASH_SEED ?? Date.now() % 1_000_000);

let app: Awaited<ReturnType<typeof serveBuilt>>;
let sqlite3: Sqlite3Static;
const summary: Record<string, unknown>[] = [];

beforeAll(async () => {
  [app, sqlite3] = await Promise.all([serveBuilt(testAppRoot), sqlite3InitModule()]);
  console.log(`crash campaign: ${TRIALS} trials per configuration, seed ${SEED}`);
});
afterAll(async () => {
  await app?.close();
  if (summary.length > 0) console.table(summary);
});

/** A small deterministic generator, so a failing run can be replayed with TK_CRASH_SEED. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
}

interface Ack {
  batch: number;
  size: number;
  firstSeq: number;
  lastSeq: number;
}

interface FoundEvent {
  seq: number;
  requestId: string | null;
  trial: number;
  batch: number;
  size: number;
  index: number;
  contentOk: boolean;
}

interface FoundSession {
  id: string;
  eventCount: number;
  lastSeq: number;
  events: FoundEvent[];
}

async function openPage(
  profile: Profile,
  backend: string,
  durability: string,
  hooks: { onAck: (ack: Ack) => void; onIdle: () => void; errors: string[] },
): Promise<Page> {
  const page = profile.context.pages()[0] ?? (await profile.context.newPage());
  await page.exposeFunction('reportAck', (ack: Ack) => hooks.onAck(ack));
  await page.exposeFunction('reportIdle', () => hooks.onIdle());
  await page.exposeFunction('reportError', (e: string) => void hooks.errors.push(e));
  await page.goto(app.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const info = await page.evaluate(
    async (o) => {
      const w = globalThis as any;
      w.store = await w.tk.openStore({ name: 'crash', ...o });
      const i = await w.store.info();
      return { backend: i.backend, durability: i.durability };
    },
    { backend, durability },
  );
  expect(info).toEqual({ backend, durability });
  return page;
}

/**
 * Every session with its counters, and the events (the fields the checks need) of those named in
 * `withEvents` ('all' for every session), as the store returns them.
 */
function readSessions(page: Page, withEvents: string[] | 'all'): Promise<FoundSession[]> {
  return page.evaluate(async (withEvents) => {
    const store = (globalThis as any).store;
    const sessions = await store.sessions.list({ limit: 1000 });
    const out: FoundSession[] = [];
    for (const s of sessions) {
      const events: FoundEvent[] = [];
      while (withEvents === 'all' || withEvents.includes(s.id)) {
        const page = await store.events.list(s.id, { afterSeq: events.at(-1)?.seq ?? 0, limit: 10_000 });
        for (const e of page) {
          const m = e.metadata;
          events.push({
            seq: e.seq,
            requestId: e.requestId,
            trial: m.trial,
            batch: m.batch,
            size: m.size,
            index: m.index,
            contentOk:
              typeof e.content === 'string' &&
              e.content.length === e.requestId.length + 1 + m.length &&
              e.content.startsWith(`${e.requestId} `),
          });
        }
        if (page.length < 10_000) break;
      }
      out.push({ id: s.id, eventCount: s.eventCount, lastSeq: s.lastSeq, events });
    }
    return out;
  }, withEvents);
}

/** Runs PRAGMA integrity_check in Node on the image the store exports; returns it with row counts. */
async function checkImage(page: Page): Promise<{ integrity: unknown; events: unknown; sessions: unknown }> {
  const db = openImage(sqlite3, await exportedImage(page));
  try {
    return {
      integrity: db.selectValues('PRAGMA integrity_check'),
      events: db.selectValue('SELECT count(*) FROM events'),
      sessions: db.selectValue('SELECT count(*) FROM sessions'),
    };
  } finally {
    db.close();
  }
}

/**
 * Checks one trial's session against what was acknowledged: seqs 1..n, each batch whole and in
 * order, every acknowledged batch there with the seqs it was given, at most the one batch that
 * was in flight beyond them. Returns the number of batches found.
 */
function checkSession(trial: number, session: FoundSession | undefined, acks: Ack[]): number {
  const events = session?.events ?? [];
  const where = `trial ${trial}`;
  expect(
    events.map((e) => e.seq),
    `${where}: seqs`,
  ).toEqual(events.map((_, i) => i + 1));
  if (session) {
    expect({ eventCount: session.eventCount, lastSeq: session.lastSeq }, `${where}: counters`).toEqual({
      eventCount: events.length,
      lastSeq: events.length,
    });
  }
  expect(
    events.filter((e) => !e.contentOk).map((e) => e.requestId),
    `${where}: contents`,
  ).toEqual([]);
  let at = 0;
  let batch = 0;
  while (at < events.length) {
    const first = events[at]!;
    expect({ trial: first.trial, batch: first.batch, index: first.index }, `${where}: batch start`).toEqual({
      trial,
      batch,
      index: 0,
    });
    const members = events.slice(at, at + first.size);
    // A batch is all there or not at all, in input order, nothing of another batch in between.
    expect(
      members.map((e) => e.requestId),
      `${where}: batch ${batch} whole`,
    ).toEqual(Array.from({ length: first.size }, (_, i) => `${trial}-${batch}-${i}`));
    const ack = acks[batch];
    if (ack)
      expect([first.seq, members.at(-1)!.seq], `${where}: batch ${batch} seqs`).toEqual([
        ack.firstSeq,
        ack.lastSeq,
      ]);
    at += first.size;
    batch++;
  }
  // Writes run one at a time and each report is awaited before the next write starts.
  expect(batch, `${where}: batches found vs acknowledged (${acks.length})`).toBeGreaterThanOrEqual(
    acks.length,
  );
  expect(batch, `${where}: at most one unacknowledged batch`).toBeLessThanOrEqual(acks.length + 1);
  return batch;
}

/** The page's writer: appends batches to `trial-<n>` until killed, or until `stopAfterMs`. */
function startWriter(page: Page, trial: number, seed: number, stopAfterMs: number | null): Promise<void> {
  return page.evaluate(
    async ({ trial, seed, stopAfterMs }) => {
      const w = globalThis as any;
      let state = seed >>> 0 || 1;
      const random = (n: number) => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return (state >>> 8) % n;
      };
      const started = performance.now();
      try {
        for (let batch = 0; ; batch++) {
          if (stopAfterMs !== null && performance.now() - started > stopAfterMs) {
            await w.reportIdle();
            return;
          }
          const size = random(2) === 0 ? 1 : 1 + random(50);
          const events = Array.from({ length: size }, (_, index) => {
            const requestId = `${trial}-${batch}-${index}`;
            // Mostly short messages, now and then one that spans overflow pages.
            const length = random(20) === 0 ? 2000 + random(8000) : random(300);
            return {
              requestId,
              role: index % 2 ? 'assistant' : 'user',
              content: `${requestId} ${'lorem ipsum '.repeat(Math.ceil(length / 12)).slice(0, length)}`,
              metadata: { trial, batch, size, index, length },
            };
          });
          const stored = await w.store.events.append(`trial-${trial}`, events);
          await w.reportAck({ batch, size, firstSeq: stored[0].seq, lastSeq: stored.at(-1).seq });
        }
      } catch (error: any) {
        await w.reportError(`${error?.name}/${error?.code}: ${error?.message}`);
        throw error;
      }
    },
    { trial, seed, stopAfterMs },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The keys the store keeps (IndexedDB: its journal's keys and value sizes; OPFS: its pool files). */
function storedKeys(page: Page, backend: string): Promise<string> {
  return page.evaluate(async (b) => {
    if (b === 'opfs') {
      const root = await navigator.storage.getDirectory();
      const names: string[] = [];
      const walk = async (dir: any, prefix: string) => {
        for await (const [name, handle] of dir.entries()) {
          if (handle.kind === 'directory') await walk(handle, `${prefix}${name}/`);
          else names.push(`${prefix}${name}:${(await handle.getFile()).size}`);
        }
      };
      await walk(root, '');
      return names.join(' ');
    }
    const db: IDBDatabase = await new Promise((resolve, reject) => {
      const request = indexedDB.open('threadkeep-crash');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const store = db.transaction('journal').objectStore('journal');
    const keys: IDBValidKey[] = await new Promise((resolve) => {
      const request = store.getAllKeys();
      request.onsuccess = () => resolve(request.result);
    });
    const sizes = await Promise.all(
      keys.map(
        (key) =>
          new Promise<string>((resolve) => {
            const request = store.get(key);
            request.onsuccess = () => resolve(`${String(key)}:${request.result?.byteLength}`);
            request.onerror = () => resolve(`${String(key)}:${request.error?.name}`);
          }),
      ),
    );
    db.close();
    return sizes.join(' ');
  }, backend);
}

/**
 * Two configurations run at once: a trial spends most of its time waiting (browser start, page
 * load, the write window), so two profiles side by side finish the campaign in ~60% of the time
 * on a 2-core machine. TK_CRASH_PARALLEL=1 runs them one after another.
 */
const PARALLEL = Number(process.env.TK_CRASH_PARALLEL ?? 2);
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  while (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** TK_CRASH_CONFIGS=indexeddb/normal,opfs/strict runs only those. */
const ONLY = process.env.TK_CRASH_CONFIGS?.split(',');
const configurations = (
  [
    ['opfs', 'normal'],
    ['opfs', 'strict'],
    ['indexeddb', 'normal'],
    ['indexeddb', 'strict'],
  ] as const
).filter(([backend, durability]) => !ONLY || ONLY.includes(`${backend}/${durability}`));

/**
 * The profile's storage files as the browser left them (path:bytes) — IndexedDB, the storage
 * buckets and the quota database that names them — for a failure report.
 */
function storageFiles(dir: string): string {
  const root = join(dir, 'Default');
  if (!existsSync(root)) return '(no Default directory)';
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(`${relative(root, path)}:${statSync(path).size}`);
    }
  };
  for (const name of ['IndexedDB', 'WebStorage', 'QuotaManager', 'QuotaManager-journal']) {
    const path = join(root, name);
    if (!existsSync(path)) out.push(`${name}:absent`);
    else if (statSync(path).isDirectory()) walk(path);
    else out.push(`${name}:${statSync(path).size}`);
  }
  return out.join(' ');
}

describe('SIGKILL of the browser at random moments', () => {
  for (const [c, [backend, durability]] of configurations.entries()) {
    it.concurrent(
      `${backend}, durability '${durability}': ${TRIALS} kills lose no acknowledged write and show no half-written one`,
      () =>
        slot(async () => {
          const random = generator(SEED * 7 + c);
          const dir = newProfileDir('tk-crash-');
          const acks: Ack[][] = [];
          const found: number[] = [];
          const eventsIn: number[] = [];
          const kills: string[] = [];
          const writerErrors: string[] = [];
          // How the kills were timed: at a random moment of the write loop, the instant the test heard
          // an acknowledgement (the hardest moment for "acknowledged means durable"), or around the
          // idle maintenance.
          const stats = {
            midWrite: 0,
            onAck: 0,
            nearMaintenance: 0,
            processesKilled: 0,
            unacknowledgedFound: 0,
          };
          const ms = { launch: 0, open: 0, verify: 0, image: 0, write: 0, kill: 0 };
          let mark = Date.now();
          const lap = (phase: keyof typeof ms) => {
            const now = Date.now();
            ms[phase] += now - mark;
            mark = now;
          };
          const started = Date.now();
          let profile: Profile | undefined;
          let eventsFound = 0;
          try {
            for (let trial = 0; trial <= TRIALS; trial++) {
              mark = Date.now();
              const filesBefore = storageFiles(dir);
              profile = await launchProfile(dir);
              lap('launch');
              const trialAcks: Ack[] = [];
              let onIdle: () => void = () => {};
              const idled = new Promise<void>((resolve) => {
                onIdle = resolve;
              });
              let killOnAck = 0;
              let killedOnAck: Promise<number> | undefined;
              const onAck = (ack: Ack) => {
                trialAcks.push(ack);
                // killBrowser stops and kills every process before its first await, so the browser
                // dies before this acknowledgement's reply reaches the page.
                if (trialAcks.length === killOnAck) killedOnAck = killBrowser(profile!);
              };
              const page = await openPage(profile, backend, durability, {
                onAck,
                onIdle,
                errors: writerErrors,
              });
              lap('open');

              // After a kill: the trial it cut short is read whole and checked against what it was
              // told; every earlier trial's session still has the counters it had then. The last
              // launch reads and checks every session whole again.
              const last = trial === TRIALS;
              const sessions = await readSessions(
                page,
                last ? 'all' : trial > 0 ? [`trial-${trial - 1}`] : [],
              );
              const known = new Set(Array.from({ length: trial }, (_, t) => `trial-${t}`));
              expect(sessions.map((s) => s.id).filter((id) => !known.has(id))).toEqual([]);
              const sessionOf = (t: number) => sessions.find((s) => s.id === `trial-${t}`);
              try {
                for (let t = 0; t < trial - 1; t++) {
                  const s = sessionOf(t);
                  expect(s ? [s.eventCount, s.lastSeq] : [0, 0], `trial ${t}: counters`).toEqual([
                    eventsIn[t],
                    eventsIn[t],
                  ]);
                  if (last) expect(checkSession(t, s, acks[t]!), `trial ${t}: batches`).toBe(found[t]);
                }
                if (trial > 0) {
                  const t = trial - 1;
                  found[t] = checkSession(t, sessionOf(t), acks[t]!);
                  eventsIn[t] = sessionOf(t)?.events.length ?? 0;
                  stats.unacknowledgedFound += found[t]! - acks[t]!.length;
                }
              } catch (error) {
                // How each trial was cut short, what the store shows and what its storage holds,
                // for whoever reads the failure.
                const held = await storedKeys(page, backend).catch((e) => String(e));
                const shown = sessions.map((s) => `${s.id}:${s.eventCount}`).join(' ');
                const files = `storage files before this launch: ${filesBefore}\nstorage files now: ${storageFiles(dir)}`;
                throw new Error(
                  `${(error as Error).message}\nkills: ${kills.map((k, t) => `${t} ${k}`).join('; ')}\nacknowledged batches per trial: ${acks.map((a) => a.length)}\nevents per trial seen before: ${eventsIn}\nsessions now: ${shown}\nstored keys: ${held}\n${files}`,
                );
              }
              lap('verify');
              const image = await checkImage(page);
              lap('image');
              const total = eventsIn.reduce((n, e) => n + e, 0);
              expect(image).toEqual({ integrity: ['ok'], events: total, sessions: sessions.length });
              eventsFound = total;
              if (trial === TRIALS) {
                await profile.close();
                break;
              }

              acks[trial] = trialAcks;
              const mode = (['nearMaintenance', 'onAck', 'midWrite', 'midWrite'] as const)[random(4)]!;
              stats[mode]++;
              if (mode === 'onAck') killOnAck = 1 + random(40);
              kills[trial] = mode === 'onAck' ? `on acknowledgement ${killOnAck}` : mode;
              const writer = startWriter(
                page,
                trial,
                SEED + trial * 101 + c,
                mode === 'nearMaintenance' ? 100 + random(300) : null,
              );
              writer.catch(() => {}); // it ends with the browser; errors it saw are in writerErrors
              if (mode === 'nearMaintenance') {
                // The engine checkpoints the WAL or compacts the journal ~2 s after the last write.
                await idled;
                await sleep(1950 + random(350));
              } else if (mode === 'midWrite') {
                await sleep(100 + random(1100));
              } else {
                while (!killedOnAck && writerErrors.length === 0) await sleep(5);
              }
              lap('write');
              stats.processesKilled += await (killedOnAck ?? killBrowser(profile));
              lap('kill');
              expect(writerErrors).toEqual([]);
            }
          } finally {
            await profile?.dispose();
          }
          const ackedBatches = acks.flat();
          const eventsAcknowledged = ackedBatches.reduce((n, a) => n + a.size, 0);
          summary.push({
            configuration: `${backend}/${durability}`,
            trials: TRIALS,
            ...stats,
            batchesAcknowledged: ackedBatches.length,
            eventsAcknowledged,
            batchesFound: found.reduce((n, b) => n + b, 0),
            eventsFound,
            seconds: Math.round((Date.now() - started) / 100) / 10,
            msPerTrial: Object.entries(ms)
              .map(([phase, total]) => `${phase} ${Math.round(total / (TRIALS + 1))}`)
              .join(', '),
          });
          expect(ackedBatches.length).toBeGreaterThan(TRIALS);
        }),
      600_000,
    );
  }
});

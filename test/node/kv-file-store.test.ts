/**
 * `openStore` with backend 'kv' over a disk, as a Node user runs it: write, close, reopen; a
 * process killed with SIGKILL mid-write loses no acknowledged write; two processes on one
 * directory get a clear error instead of a ruined store; a storage's `maxValueBytes` is honoured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/backends/file-storage.js';
import { memoryStorage } from '../../src/backends/memory-storage.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import type { KeyValueStorage, Store, StoredEvent } from '../../src/core/types.js';
import { openStore } from '../../src/inprocess/index.js';
import { type PackageCopy, packageCopy } from '../edge/package-copy.js';

let pkg: PackageCopy;
let dirs = 0;
const freshDir = () => join(pkg.app, `data-${++dirs}`);
const children: ChildProcess[] = [];

beforeAll(() => {
  pkg = packageCopy('threadkeep-kv-');
  // Appends batches of 1–4 events (and now and then a 100 kB artifact) as fast as it can. Before
  // each call it prints what it sends; after the call resolved, what was acknowledged. Every 120
  // calls (about 4 MiB of journal) it pauses long enough (2.5 s) for the engine's background
  // compaction to run, and says so.
  writeFileSync(
    join(pkg.app, 'writer.mjs'),
    `import { writeSync } from 'node:fs';
     import { openStore, fileStorage } from 'threadkeep/node';
     const [dir, start, seed] = process.argv.slice(2);
     let next = Number(start);
     let state = Number(seed) >>> 0 || 1;
     const random = (n) => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8) % n;
     const store = await openStore({ name: 'crash', storage: fileStorage(dir) });
     writeSync(1, 'open\\n');
     for (let calls = 1; ; calls++) {
       if (calls % 120 === 0) {
         await new Promise((resolve) => setTimeout(resolve, 2500));
         writeSync(1, 'resumed\\n');
       }
       if (random(20) === 0) {
         const handle = 'a' + next++;
         writeSync(1, 'send ' + handle + '\\n');
         await store.artifacts.put({ handle, sessionId: 's', data: handle.repeat(100_000 / handle.length) });
         writeSync(1, 'ack ' + handle + '\\n');
         continue;
       }
       const batch = Array.from({ length: 1 + random(4) }, () => {
         const requestId = 'r' + next++;
         return { requestId, role: 'user', content: requestId + ' ' + 'lorem ipsum '.repeat(random(1500)) };
       });
       const ids = batch.map((e) => e.requestId).join(' ');
       writeSync(1, 'send ' + ids + '\\n');
       await store.events.append('s', batch);
       writeSync(1, 'ack ' + ids + '\\n');
     }`,
  );
  // Opens the store, appends on request, and closes on request; for the two-process test.
  writeFileSync(
    join(pkg.app, 'holder.mjs'),
    `import { createInterface } from 'node:readline';
     import { openStore, fileStorage } from 'threadkeep/node';
     const store = await openStore({ name: 'shared', storage: fileStorage(process.argv[2]) });
     console.log('open');
     for await (const line of createInterface({ input: process.stdin })) {
       if (line === 'append') {
         await store.events.append('s', { content: 'from the holder' });
         await store.search('holder'); // lets indexing catch up: nothing is left to write
         console.log('appended');
       } else if (line === 'close') {
         await store.close();
         console.log('closed');
         process.exit(0);
       }
     }`,
  );
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => pkg?.dispose());

/** A child node process running `script` from the app, with its stdout lines. */
function startChild(script: string, args: string[]) {
  const child = spawn(process.execPath, [join(pkg.app, script), ...args], {
    cwd: pkg.app,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const consumed = new Map<string, number>();
  let partial = '';
  let stderr = '';
  let wake = () => {};
  child.stdout!.on('data', (data: Buffer) => {
    const parts = (partial + data.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    wake();
  });
  child.stderr!.on('data', (data) => {
    stderr += data;
  });
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `the child exited (${code ?? signal}): ${stderr}`;
    wake();
  });
  /** Resolves at the next line equal to `match` not waited for before. */
  const next = async (match: string): Promise<void> => {
    for (;;) {
      const count = lines.filter((line) => line === match).length;
      if (count > (consumed.get(match) ?? 0)) {
        consumed.set(match, (consumed.get(match) ?? 0) + 1);
        return;
      }
      if (exit) throw new Error(`waiting for "${match}": ${exit}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  return { child, lines, next };
}

async function allEvents(store: Store, sessionId: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (;;) {
    const page = await store.events.list(sessionId, { afterSeq: events.at(-1)?.seq ?? 0, limit: 10_000 });
    if (page.length === 0) return events;
    events.push(...page);
  }
}

async function integrityOf(store: Store): Promise<unknown> {
  const sqlite3 = await sqlite3InitModule();
  const image = await store.exportDatabase();
  const db = new sqlite3.oo1.DB();
  try {
    const p = sqlite3.wasm.allocFromTypedArray(image);
    const { capi } = sqlite3;
    const flags = capi.SQLITE_DESERIALIZE_FREEONCLOSE | capi.SQLITE_DESERIALIZE_RESIZEABLE;
    db.checkRc(capi.sqlite3_deserialize(db.pointer!, 'main', p, image.byteLength, image.byteLength, flags));
    return db.selectValue('PRAGMA integrity_check');
  } finally {
    db.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<ThreadkeepError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ThreadkeepError))
    throw new Error(`expected a ThreadkeepError, got ${String(error)}`);
  return error;
}

describe('openStore over fileStorage', () => {
  it('keeps sessions, events, artifacts and the search index across close and reopen', async () => {
    const dir = freshDir();
    const first = await openStore({ name: 'agent', storage: fileStorage(dir) });
    await first.sessions.create({ id: 'chat', title: 'Kept', metadata: { model: 'x' } });
    for (let i = 0; i < 100; i++) {
      await first.events.append('chat', [
        { role: 'user', content: `question ${i} about durable storage`, requestId: `q${i}`, tokens: 3 },
        { role: 'assistant', content: `answer ${i}`, tokens: 2 },
      ]);
    }
    const big = new Uint8Array(1_500_000).map((_, i) => (i * 7) & 0xff);
    const ref = await first.artifacts.put({ handle: 'blob.bin', data: big, sessionId: 'chat' });
    expect((await first.info()).backend).toBe('kv');
    await first.close();

    const second = await openStore({ name: 'agent', storage: fileStorage(dir) });
    const session = await second.sessions.get('chat');
    expect(session).toMatchObject({ title: 'Kept', metadata: { model: 'x' }, eventCount: 200, lastSeq: 200 });
    expect(session!.tokenCount).toBe(500);
    expect((await second.events.tail('chat', 1))[0]).toMatchObject({ seq: 200, content: 'answer 99' });
    expect(await second.artifacts.ref('blob.bin')).toEqual(ref);
    expect(await second.artifacts.get('blob.bin')).toEqual(big);
    const hits = await second.search('question 42');
    expect(hits[0]?.event.content).toBe('question 42 about durable storage');
    // A retry of a request made before the reopen is still recognised.
    const [retry] = await second.events.append('chat', { requestId: 'q7', content: 'again' });
    expect(retry).toMatchObject({ seq: 15, content: 'question 7 about durable storage' });
    expect(await integrityOf(second)).toBe('ok');
    await second.close();
  });

  it('loses no acknowledged write when the writing process is killed with SIGKILL, at random or mid-compaction', async () => {
    const dir = freshDir();
    const trials = 9;
    const isSnapshot = (file: string | null) => !!file?.startsWith('kthreadkeep%2fcrash%2fc%2f');
    const snapshotFiles = () => (existsSync(dir) ? readdirSync(dir).filter(isSnapshot).sort().join() : '');
    let compacted = 0;
    let acknowledged = 0;
    let killedMidCompaction = 0;
    const acked = new Set<string>();
    const summary: string[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const snapshotsBefore = snapshotFiles();
      const writer = startChild('writer.mjs', [dir, String(trial * 1_000_000), String(trial + 1)]);
      await writer.next('open');
      const exited = new Promise((resolve) => writer.child.once('exit', resolve));
      if (trial % 3 === 0) {
        // At a random moment.
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 1400));
      } else if (trial % 3 === 1) {
        // The moment compaction stores its first new chunk snapshot: before the manifest switch.
        const before = new Set(readdirSync(dir).filter(isSnapshot));
        const seen = await new Promise<boolean>((resolve) => {
          const watcher = watch(dir, (_, file) => {
            if (isSnapshot(file) && !before.has(file!)) done(true);
          });
          const timeout = setTimeout(() => done(false), 15_000);
          function done(value: boolean) {
            watcher.close();
            clearTimeout(timeout);
            resolve(value);
          }
        });
        if (seen) killedMidCompaction++;
      } else {
        // At a random moment after a compaction completed.
        await writer.next('resumed');
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 800));
      }
      writer.child.kill('SIGKILL');
      await exited;

      const sent: string[][] = [];
      const ackedNow: string[] = [];
      for (const line of writer.lines) {
        const [verb, ...ids] = line.split(' ');
        if (verb === 'send') sent.push(ids);
        if (verb === 'ack') ackedNow.push(...ids);
      }
      for (const id of ackedNow) acked.add(id);
      acknowledged += ackedNow.length;
      const last = sent.at(-1);
      const inFlight = new Set(last && !ackedNow.includes(last[0]!) ? last : []);

      const store = await openStore({ name: 'crash', storage: fileStorage(dir) });
      const events = await allEvents(store, 's');
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const requestIds = events.map((e) => e.requestId!);
      expect(new Set(requestIds).size).toBe(requestIds.length);
      const handles = (await store.artifacts.list({ limit: 1000 })).map((a) => a.handle);
      const present = new Set([...requestIds, ...handles]);
      expect([...acked].filter((id) => !present.has(id))).toEqual([]);
      // Whatever is there without an acknowledgement is the call in flight, all of it or none.
      const extra = [...present].filter((id) => !acked.has(id));
      expect(extra.every((id) => inFlight.has(id))).toBe(true);
      expect(extra.length === 0 || extra.length === inFlight.size).toBe(true);
      for (const id of extra) acked.add(id); // stored now, so every later trial must keep it
      for (const event of events) expect(String(event.content).startsWith(`${event.requestId} `)).toBe(true);
      expect(await integrityOf(store)).toBe('ok');
      await store.close();
      if (snapshotFiles() !== snapshotsBefore) compacted++;
      summary.push(`${ackedNow.length}+${extra.length}`);
    }
    console.log(
      `SIGKILL: ${trials} trials (${killedMidCompaction} of them mid-compaction, 3 right after one), ${acknowledged} ` +
        `acknowledged writes, all found; ${acked.size} calls stored in all, seqs 1..n without gaps ` +
        `(acknowledged+unacknowledged-but-kept per trial: ${summary.join(', ')}); a completed compaction ` +
        `survived ${compacted} trials`,
    );
    expect(acknowledged).toBeGreaterThan(trials * 10);
    expect(killedMidCompaction).toBe(3);
    expect(compacted).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a second process with an error naming the holder, and leaves the store intact', async () => {
    const dir = freshDir();
    const holder = startChild('holder.mjs', [dir]);
    await holder.next('open');
    holder.child.stdin!.write('append\n');
    await holder.next('appended');
    const filesBefore = readdirSync(dir).sort();

    const error = await rejection(openStore({ name: 'shared', storage: fileStorage(dir) }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toContain(`"${dir}" is in use by process ${holder.child.pid}`);
    expect(readdirSync(dir).sort()).toEqual(filesBefore);

    holder.child.stdin!.write('append\n');
    await holder.next('appended');
    holder.child.stdin!.write('close\n');
    await holder.next('closed');
    await new Promise((resolve) => holder.child.once('exit', resolve));

    const store = await openStore({ name: 'shared', storage: fileStorage(dir) });
    expect((await store.events.list('s')).map((e) => [e.seq, e.content])).toEqual([
      [1, 'from the holder'],
      [2, 'from the holder'],
    ]);
    await store.close();
  });
});

describe('a storage with a value size limit', () => {
  /** Like Deno KV: refuses values over 64 KiB (once `enforce` is on). */
  function limitedStorage(maxValueBytes?: number): KeyValueStorage & { largest: number; enforce: boolean } {
    const inner = memoryStorage();
    const storage = {
      largest: 0,
      enforce: true,
      get: (key: string) => inner.get(key),
      async set(key: string, value: Uint8Array) {
        if (storage.enforce && value.byteLength > 65_536)
          throw new TypeError('Value too large (max 65536 bytes)');
        storage.largest = Math.max(storage.largest, value.byteLength);
        return inner.set(key, value);
      },
      delete: (key: string) => inner.delete(key),
      list: (prefix: string) => inner.list(prefix),
      ...(maxValueBytes !== undefined && { maxValueBytes }),
    };
    return storage;
  }

  it('gets values no larger than its maxValueBytes, through openStore', async () => {
    const storage = limitedStorage(65_536);
    const store = await openStore({ name: 'limited', storage });
    const data = 'z'.repeat(1_000_000);
    await store.artifacts.put({ handle: 'big', data });
    for (let i = 0; i < 50; i++)
      await store.events.append('s', { content: `event ${i} ${'w '.repeat(5000)}` });
    await store.close();
    expect(storage.largest).toBeLessThanOrEqual(65_536);
    expect(storage.largest).toBeGreaterThan(60_000);

    const again = await openStore({ name: 'limited', storage });
    expect(await again.artifacts.text('big')).toBe(data);
    expect((await again.sessions.get('s'))?.eventCount).toBe(50);
    await again.close();
  });

  it('without maxValueBytes a too-large write fails, changes nothing, and the store stays usable', async () => {
    const storage = limitedStorage();
    storage.enforce = false; // creating the schema is one commit of more than 64 KiB
    const store = await openStore({ name: 'unlimited', storage });
    storage.enforce = true;
    await store.events.append('s', { content: 'small' });
    const error = await rejection(store.artifacts.put({ handle: 'big', data: 'z'.repeat(1_000_000) }));
    expect(error.message).toContain('Value too large');
    expect(await store.artifacts.ref('big')).toBeUndefined();
    await store.events.append('s', { content: 'after' });
    expect((await store.events.list('s')).map((e) => e.content)).toEqual(['small', 'after']);
    await store.close();
  });

  it('rejects a maxValueBytes that cannot work', async () => {
    for (const bad of [100, 1.5, Number.NaN, '65536']) {
      const storage = { ...memoryStorage(), maxValueBytes: bad } as unknown as KeyValueStorage;
      const error = await rejection(openStore({ name: 'bad', storage }));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain('maxValueBytes');
    }
  });
});

// Issue 3's figures, in Node, in-process (memory backend): 100 000 events appended in batches of
// 1 000; tail(50) of the 100 000-event session; plain search over the 100 000 events (the first
// search, which indexes the pending events, reported apart). Same data as the browser bench.
//
//   node bench/node.mjs [--quick] [--json]
//
// The library and the data generator are bundled from source with Vite (SSR build, dependencies
// left external) into a temporary directory, then imported: no build of dist/ needed.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';

const repoRoot = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const say = (...m) => {
  if (!json) console.log(...m);
};

async function load() {
  // Inside node_modules, so the bundle's bare imports (@sqlite.org/sqlite-wasm) resolve.
  const cache = join(repoRoot, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'threadkeep-node-bench-'));
  await build({
    root: repoRoot,
    configFile: false,
    logLevel: 'silent',
    build: {
      ssr: true,
      outDir,
      target: 'node20',
      minify: false,
      rollupOptions: {
        input: { store: 'src/inprocess/open-store.ts', data: 'bench/app/data.ts' },
        output: { format: 'es', entryFileNames: '[name].mjs' },
      },
    },
  });
  const store = await import(pathToFileURL(join(outDir, 'store.mjs')).href);
  const data = await import(pathToFileURL(join(outDir, 'data.mjs')).href);
  rmSync(outDir, { recursive: true, force: true });
  return { openStore: store.openStore, ...data };
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const r = (x) => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    p50: r(at(0.5)),
    p95: r(at(0.95)),
    p99: r(at(0.99)),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

const { openStore, eventRange, QUERIES, scanMatches, eventsChecksum, hex } = await load();
const now = () => performance.now();
const TOTAL = 100_000;
const BATCH = 1000;
const SESSION = 'node-100k';

const store = await openStore({ name: 'node-bench' });
const out = { backend: (await store.info()).backend, node: process.version, events: TOTAL, batch: BATCH };

// Events are generated before the clock starts: the figure is the store's, not the generator's.
const batches = [];
for (let i = 0; i < TOTAL / BATCH; i++) {
  batches.push(
    eventRange(SESSION, i * BATCH + 1, BATCH).map((e) => ({
      role: e.role,
      content: e.content,
      tokens: e.tokens,
    })),
  );
}
const expectedMatches = Object.fromEntries(QUERIES.map((q) => [q.name, 0]));
for (const batch of batches) {
  for (const e of batch) for (const q of QUERIES) if (scanMatches(e.content, q)) expectedMatches[q.name]++;
}
const perBatch = [];
const t0 = now();
for (const batch of batches) {
  const b0 = now();
  await store.events.append(SESSION, batch);
  perBatch.push(now() - b0);
}
out.append = {
  totalMs: Math.round((now() - t0) * 10) / 10,
  perBatch: stats(perBatch),
  target: '< 2000 ms total',
};
say(
  `append ${TOTAL} in batches of ${BATCH}: ${out.append.totalMs} ms (p50 ${out.append.perBatch.p50} ms per batch)`,
);

const tails = [];
let checksum = 0x811c9dc5;
for (let i = 0; i < 100; i++) await store.events.tail(SESSION, 50);
for (let i = 0; i < (quick ? 500 : 2000); i++) {
  const a = now();
  const events = await store.events.tail(SESSION, 50);
  tails.push(now() - a);
  if (i === 0)
    checksum = eventsChecksum(
      events.map((e) => ({ sessionId: e.sessionId, seq: e.seq, content: e.content })),
    );
}
const expectedTail = eventsChecksum(eventRange(SESSION, TOTAL - 49, 50));
out.tail50 = { ...stats(tails), checksum: hex(checksum), expected: hex(expectedTail), target: 'p50 < 1 ms' };
say(`tail(50) of ${TOTAL}: p50 ${out.tail50.p50} ms, p95 ${out.tail50.p95} ms`);

const f0 = now();
await store.search(QUERIES[0].text);
out.firstSearchMs = Math.round((now() - f0) * 10) / 10;
say(`first search (indexes ${TOTAL} pending events): ${out.firstSearchMs} ms`);

out.search = {};
for (const q of QUERIES) {
  for (let i = 0; i < 5; i++) await store.search(q.text);
  const samples = [];
  let hits = [];
  for (let i = 0; i < (quick ? 30 : 200); i++) {
    const a = now();
    hits = await store.search(q.text);
    samples.push(now() - a);
  }
  const wrong = hits.filter((h) => !scanMatches(h.event.content, q)).length;
  out.search[q.name] = {
    query: q.text,
    ...stats(samples),
    hits: hits.length,
    matches: expectedMatches[q.name],
    wrong,
    target: 'p50 < 20 ms',
  };
  say(
    `search ${q.name} "${q.text}": p50 ${out.search[q.name].p50} ms, p95 ${out.search[q.name].p95} ms (${hits.length} hits of ${expectedMatches[q.name]})`,
  );
}
await store.close();

const problems = [];
if (out.tail50.checksum !== out.tail50.expected) problems.push('tail(50) read back the wrong events');
for (const [name, s] of Object.entries(out.search)) {
  if (s.wrong > 0 || s.hits !== Math.min(20, s.matches))
    problems.push(`search ${name} returned ${s.hits} hits (${s.wrong} wrong)`);
}
out.problems = problems;
if (json) console.log(JSON.stringify(out));
for (const p of problems) console.error(`PROBLEM: ${p}`);
process.exitCode = problems.length > 0 ? 1 : 0;

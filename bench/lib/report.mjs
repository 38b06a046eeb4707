// Writes docs/BENCHMARKS.md from one run's results: the goals and whether this run met them, a
// table per workload (each target's figures and its ratio to threadkeep on OPFS), cold opens,
// memory, storage, the main-thread entry size, and Node's in-process figures. Text between the
// `analysis` markers is written by hand (causes, proposals) and kept when the file is regenerated.
//
//   node bench/lib/report.mjs bench/results/<date>.json   regenerates the page from a results file
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const TARGET_NAMES = {
  'tk-opfs': 'threadkeep · OPFS',
  'tk-idb': 'threadkeep · IndexedDB',
  'tk-memory': 'threadkeep · memory',
  'tk-follower': 'threadkeep · follower tab',
  sahpool: 'bare sqlite-wasm sahpool (in its worker)',
  'idb-keyval': 'idb-keyval',
  'raw-idb': 'IndexedDB, no library',
  dexie: 'Dexie 4',
};
const BASE = 'tk-opfs';
const START = '<!-- analysis:start -->';
const END = '<!-- analysis:end -->';

const WORKLOAD_TITLES = {
  'append.single': 'Durable single append (one event per call, awaited)',
  'append.batch10': 'Append a batch of 10 events',
  'append.batch100': 'Append a batch of 100 events',
  'append.batch1000': 'Append a batch of 1 000 events',
  'append.batch10000': 'Append a batch of 10 000 events',
  'stream.patch': 'Streamed reply: one patch of a partial event (500 per reply)',
  'sessions.recent50': 'The 50 most recent of 10 000 sessions',
  handover: 'Leader handover: the leader page closes, the follower appends at once (close → answer)',
};

function title(workload) {
  if (WORKLOAD_TITLES[workload]) return WORKLOAD_TITLES[workload];
  let m = /^tail50\.(\w+)$/.exec(workload);
  if (m) return `tail(50) of a random 1 000-event session, ${size(m[1])} events stored`;
  m = /^search\.(rare|common|prefix|chinese)\.(\w+)$/.exec(workload);
  if (m) {
    const what = {
      rare: 'a rare word',
      common: 'a common word',
      prefix: 'a prefix',
      chinese: 'a Chinese phrase',
    }[m[1]];
    return `Search for ${what} over ${size(m[2])} events (20 hits)`;
  }
  m = /^search\.first\.(\w+)$/.exec(workload);
  if (m) return `First search after loading ${size(m[1])} events (threadkeep indexes pending events here)`;
  m = /^seed\.(\w+)$/.exec(workload);
  if (m) return `Load ${size(m[1])} events (appends of 1 000)`;
  m = /^artifact\.(put|get|drilldown)\.(\w+)$/.exec(workload);
  if (m) return `Artifact ${m[1] === 'drilldown' ? 'drilldown (20 lines from the middle)' : m[1]}, ${m[2]}`;
  return workload;
}

function size(label) {
  return { '10k': '10 000', '30k': '30 000', '100k': '100 000', '1m': '1 000 000' }[label] ?? label;
}

const fmt = (x, digits) => {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (digits !== undefined) return x.toFixed(digits);
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
};
const mb = (bytes) => (bytes === null || bytes === undefined ? '–' : `${(bytes / 2 ** 20).toFixed(1)} MB`);
const ratio = (value, base) => (value && base ? `${(value / base).toFixed(2)}×` : '–');

/** Every workload result, keyed by workload then target. */
function index(results) {
  const byWorkload = new Map();
  for (const entry of results.phases) {
    for (const w of entry.workloads ?? []) {
      if (!byWorkload.has(w.workload)) byWorkload.set(w.workload, new Map());
      byWorkload.get(w.workload).set(entry.target, { ...w, phase: entry.phase });
    }
  }
  return byWorkload;
}

function unavailableTargets(results) {
  const out = new Map();
  for (const e of results.phases) {
    if (e.info?.unavailable) out.set(`${e.phase}/${e.target}`, e.info.unavailable);
    if (e.error) out.set(`${e.phase}/${e.target}`, e.error);
  }
  return out;
}

function p50(byWorkload, workload, target) {
  return byWorkload.get(workload)?.get(target)?.stats?.p50;
}

function coldMedian(results, label, target) {
  const cold = results.cold.find((c) => c.label === label && c.target === target);
  const runs = (cold?.runs ?? []).filter((r) => !r.error);
  if (runs.length === 0) return undefined;
  const sorted = runs.map((r) => r.navToTailMs).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The issue's goals, evaluated on this run. */
export function goals(results) {
  const w = index(results);
  const out = [];
  const goal = (name, value, met, detail) => out.push({ name, value, met, detail });
  const single = p50(w, 'append.single', BASE);
  const bare = p50(w, 'append.single', 'sahpool');
  const kv = p50(w, 'append.single', 'idb-keyval');
  goal('Durable single append p50 ≤ 0.5 ms', `${fmt(single)} ms`, single !== undefined && single <= 0.5);
  goal(
    '… ≤ 2× bare sahpool',
    `${ratio(single, bare)} (bare ${fmt(bare)} ms)`,
    single && bare ? single <= 2 * bare : undefined,
  );
  goal('… faster than idb-keyval', `idb-keyval ${fmt(kv)} ms`, single && kv ? single < kv : undefined);
  const batch = p50(w, 'append.batch10000', BASE);
  const dexie = p50(w, 'append.batch10000', 'dexie');
  goal('Batch of 10 000 ≤ 250 ms', `${fmt(batch)} ms`, batch !== undefined && batch <= 250);
  goal(
    '… ≥ 3× faster than Dexie bulkPut',
    `Dexie ${fmt(dexie)} ms = ${ratio(dexie, batch)}`,
    batch && dexie ? dexie / batch >= 3 : undefined,
  );
  const at = w.has('tail50.1m') ? '1m' : w.has('tail50.100k') ? '100k' : '30k';
  const note = at === '1m' ? '' : ` (measured at ${size(at)} events: this run has no 1 000 000-event case)`;
  const tail = p50(w, `tail50.${at}`, BASE);
  goal(
    `tail(50) at 1 000 000 events p50 ≤ 1 ms${note}`,
    `${fmt(tail)} ms`,
    at === '1m' ? tail !== undefined && tail <= 1 : undefined,
  );
  for (const [q, limit] of [
    ['rare', 5],
    ['prefix', 20],
    ['common', 100],
  ]) {
    const v = p50(w, `search.${q}.${at}`, BASE);
    goal(
      `Search (${q}) over 1 000 000 events p50 ≤ ${limit} ms${note}`,
      `${fmt(v)} ms`,
      at === '1m' ? v !== undefined && v <= limit : undefined,
    );
  }
  const follower = p50(w, 'append.single', 'tk-follower');
  goal(
    "Follower's single append ≤ 2× the leader's (issue 5)",
    `${fmt(follower)} ms = ${ratio(follower, single)}`,
    follower && single ? follower <= 2 * single : undefined,
  );
  const handover = p50(w, 'handover', 'tk-follower');
  goal(
    'Leader handover p50 < 500 ms (issue 5)',
    `${fmt(handover)} ms`,
    handover !== undefined ? handover < 500 : undefined,
  );
  const patch = p50(w, 'stream.patch', BASE);
  goal('Streamed reply ≤ 0.5 ms per patch p50', `${fmt(patch)} ms`, patch !== undefined && patch <= 0.5);
  for (const label of ['10MB', '1GB']) {
    const tk = coldMedian(results, label, BASE);
    const dx = coldMedian(results, label, 'dexie');
    if (tk === undefined && dx === undefined) continue;
    goal(
      `Cold open (${label}) ≤ 1.5× Dexie's`,
      `${fmt(tk)} ms vs Dexie ${fmt(dx)} ms = ${ratio(tk, dx)}`,
      tk && dx ? tk <= 1.5 * dx : undefined,
    );
  }
  const gz = results.size?.entry?.gzip;
  goal(
    'Main-thread entry ≤ 12 KB gzip',
    gz ? `${(gz / 1024).toFixed(1)} KB` : '–',
    gz ? gz <= 12 * 1024 : undefined,
  );
  return out;
}

function workloadTable(workload, byTarget, targets) {
  const base = byTarget.get(BASE);
  const rows = [];
  const perCall = [...byTarget.values()].some((r) => r.stats);
  if (perCall) {
    rows.push('| target | p50 ms | p95 ms | p99 ms | n | p50 ÷ threadkeep OPFS | read-back | note |');
    rows.push('|---|--:|--:|--:|--:|--:|:-:|---|');
  } else {
    rows.push('| target | total ms | per item | ÷ threadkeep OPFS | read-back | note |');
    rows.push('|---|--:|--:|--:|:-:|---|');
  }
  for (const target of targets) {
    const r = byTarget.get(target);
    if (!r) continue;
    const name = TARGET_NAMES[target] ?? target;
    const check = r.error
      ? '✗'
      : r.expected === undefined
        ? ''
        : r.checksum === r.expected
          ? '✓'
          : `✗ ${r.checksum}`;
    const note = r.error ? `**failed:** ${r.error}` : (r.note ?? '');
    if (perCall) {
      const s = r.stats ?? {};
      rows.push(
        `| ${name} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${s.n ?? '–'} | ${ratio(s.p50, base?.stats?.p50)} | ${check} | ${note} |`,
      );
    } else {
      const per = r.totalMs !== undefined && r.items ? `${fmt((r.totalMs * 1000) / r.items)} µs` : '–';
      rows.push(
        `| ${name} | ${fmt(r.totalMs)} | ${per} | ${ratio(r.totalMs, base?.totalMs)} | ${check} | ${note} |`,
      );
    }
  }
  return `### ${title(workload)}\n\n\`${workload}\`\n\n${rows.join('\n')}\n`;
}

export function renderMarkdown(results, analysis) {
  const byWorkload = index(results);
  const targets = results.targets;
  const out = [];
  const date = results.date.slice(0, 10);
  out.push('# Benchmarks');
  out.push('');
  out.push(
    `threadkeep against its peers, measured side by side in headless Chromium. This page is written by \`bench/lib/report.mjs\` from \`${results.file ?? `bench/results/${date}${results.mode === 'quick' ? '-quick' : ''}.json`}\`; the analysis section is written by hand.`,
  );
  out.push('');
  out.push('## How to run');
  out.push('');
  out.push('```sh');
  out.push('npm run bench            # the full suite (writes bench/results/<date>.json and this page)');
  out.push(
    'npm run bench -- --quick # the CI smoke test: small sizes, fails on a failed workload or a checksum mismatch',
  );
  out.push('node bench/node.mjs      # issue 3: Node, in-process');
  out.push('```');
  out.push('');
  out.push(
    'Options: `--targets=tk-opfs,dexie`, `--phases=writes,dataset:100k` (phases: `writes`, `sessions`, `artifacts`, `dataset:30k|100k|1m`, `cold:10MB`), `--no-node`, `--no-size`, `--out=<file>`, `--docs`.',
  );
  out.push('');
  if (results.sources?.length > 1) {
    out.push('## These runs');
    out.push('');
    out.push(
      'This page combines runs (`bench/lib/merge.mjs`): each target’s figures for a phase come from the newest run that measured it there. A row whose note says "earlier run" was not measured in the same run as the rest of its table: compare it with care.',
    );
    out.push('');
    for (const source of results.sources) {
      out.push(
        `- \`${source.command}\`, ${source.date}, took ${fmt(source.durationMs / 60000, 1)} min, load average ${source.loadAverage?.start?.join(' ') ?? '–'} → ${source.loadAverage?.end?.join(' ') ?? '–'}: ${source.phases.join(', ')}`,
      );
    }
    out.push('');
  }
  out.push(results.sources?.length > 1 ? '## The newest run' : '## This run');
  out.push('');
  out.push(
    `- Command: \`${results.command}\` (${results.mode}), ${results.date}, took ${fmt(results.durationMs / 60000, 1)} min`,
  );
  out.push(
    `- Machine: ${results.machine.cpus}, ${results.machine.memoryGiB} GiB, ${results.machine.platform}, Node ${results.machine.node}`,
  );
  out.push(
    `- Browser: ${results.browser}, headless, persistent profile; page cross-origin isolated: ${results.page?.crossOriginIsolated}`,
  );
  out.push(
    `- Load average at start / end: ${results.loadAverage?.start?.join(' ') ?? '–'} / ${results.loadAverage?.end?.join(' ') ?? '–'} (other work on the machine moves absolute times; compare targets within this run)`,
  );
  out.push('');
  out.push('## Goals (issues 4, 5, 7)');
  out.push('');
  out.push('| goal | measured | met |');
  out.push('|---|---|:-:|');
  for (const g of goals(results))
    out.push(`| ${g.name} | ${g.value} | ${g.met === undefined ? 'n/a' : g.met ? 'yes' : '**no**'} |`);
  out.push('');
  if (analysis) {
    out.push(START);
    out.push(analysis.trim());
    out.push(END);
    out.push('');
  }
  out.push('## Method');
  out.push('');
  out.push(METHOD);
  out.push('');
  const unavailable = unavailableTargets(results);
  if (unavailable.size > 0) {
    out.push('## Unavailable or failed');
    out.push('');
    for (const [where, why] of unavailable) out.push(`- ${where}: ${why}`);
    out.push('');
  }
  if (results.problems?.length) {
    out.push('## Problems this run reported');
    out.push('');
    for (const p of results.problems) out.push(`- ${p}`);
    out.push('');
  }
  out.push('## Results');
  out.push('');
  const order = [...byWorkload.keys()].filter(
    (k) => !k.startsWith('memory.') && !k.startsWith('stored.') && k !== 'fill.1GB',
  );
  for (const workload of order) out.push(workloadTable(workload, byWorkload.get(workload), targets));
  out.push('### Cold open: new page → first `tail(50)`');
  out.push('');
  out.push(
    'A new tab loads the bench page (not cross-origin isolated, as most apps run), imports only the target’s code, opens the store and reads `tail(50)`. "From navigation" is `performance.now()` when the tail resolves; "from import" starts when the page script begins loading the target. Median of the runs.',
  );
  out.push('');
  out.push(
    '| store | target | from navigation ms | from import ms | runs | ÷ threadkeep OPFS | ÷ Dexie | read-back |',
  );
  out.push('|---|---|--:|--:|--:|--:|--:|:-:|');
  const coldOrder = [...results.cold].sort(
    (a, b) => a.label.localeCompare(b.label) || targets.indexOf(a.target) - targets.indexOf(b.target),
  );
  for (const cold of coldOrder) {
    const runs = cold.runs.filter((r) => !r.error);
    const med = (k) => {
      const s = runs.map((r) => r[k]).sort((a, b) => a - b);
      return s.length ? s[Math.floor((s.length - 1) / 2)] : undefined;
    };
    const failed = cold.runs.find((r) => r.error)?.error;
    const nav = med('navToTailMs');
    const ok = runs.every((r) => r.checksum === r.expected) ? '✓' : '✗';
    if (cold.skipped) {
      out.push(`| ${cold.label} | ${TARGET_NAMES[cold.target]} | – | – | 0 | – | – | ${cold.skipped} |`);
      continue;
    }
    out.push(
      `| ${cold.label} | ${TARGET_NAMES[cold.target]} | ${fmt(nav)} | ${fmt(med('openToTailMs'))} | ${runs.length} | ${ratio(nav, coldMedian(results, cold.label, BASE))} | ${ratio(nav, coldMedian(results, cold.label, 'dexie'))} | ${failed ? `**failed:** ${failed}` : ok}${cold.note ? ` (${cold.note})` : ''} |`,
    );
  }
  out.push('');
  const memory = [...byWorkload.keys()].filter((k) => k.startsWith('memory.'));
  if (memory.length > 0) {
    out.push('### Memory with the dataset loaded');
    out.push('');
    out.push(
      `Main-thread JS heap (\`performance.memory\`, after a forced GC), every context’s JS heap (\`performance.measureUserAgentSpecificMemory\`: it does not count wasm memory or ArrayBuffers), the resident memory of the bench page’s renderer process (from /proc: page, workers and wasm heaps together; ${mb(results.page?.rendererRssBytes)} with the blank bench page at the start of the run), and for bare sahpool its wasm heap.`,
    );
    out.push('');
    out.push('| events | target | main JS heap | all JS heaps | renderer RSS | wasm heap |');
    out.push('|---|---|--:|--:|--:|--:|');
    for (const key of memory) {
      for (const target of targets) {
        const r = byWorkload.get(key).get(target);
        if (!r) continue;
        const e = r.extra ?? {};
        out.push(
          `| ${size(key.split('.')[1])} | ${TARGET_NAMES[target]} | ${mb(e.mainThreadJsHeapBytes)} | ${mb(e.totalBytes)} | ${mb(e.rendererRssBytes)} | ${mb(e.wasmHeapBytes)} |`,
        );
      }
    }
    out.push('');
  }
  const stored = [...byWorkload.keys()].filter((k) => k.startsWith('stored.'));
  if (stored.length > 0) {
    out.push('### Storage used');
    out.push('');
    out.push(
      '`navigator.storage.estimate().usage` after the phase (each target starts from an empty origin), and the SQLite file size where the target knows it.',
    );
    out.push('');
    out.push('| dataset | target | origin usage | database file |');
    out.push('|---|---|--:|--:|');
    for (const key of stored) {
      for (const target of targets) {
        const r = byWorkload.get(key).get(target);
        if (!r) continue;
        const entry = results.phases.find(
          (e) => e.target === target && e.workloads?.some((x) => x.workload === key),
        );
        out.push(
          `| ${key.replace('stored.', '')} | ${TARGET_NAMES[target]} | ${mb(entry?.info?.storageUsageBytes)} | ${mb(r.extra?.bytes)} |`,
        );
      }
    }
    out.push('');
  }
  if (results.size && !results.size.error) {
    const e = results.size.entry;
    out.push('### Main-thread entry size');
    out.push('');
    out.push(
      `\`src/index.ts\` bundled for the browser by Vite (minified, comlink included): **${(e.gzip / 1024).toFixed(1)} KB gzip** (${(e.brotli / 1024).toFixed(1)} KB brotli, ${(e.bytes / 1024).toFixed(1)} KB raw), files ${e.files.map((f) => `\`${f}\``).join(', ')}. Not counted (loaded apart): ${results.size.notCounted.map((o) => `\`${o.file}\` ${(o.bytes / 1024).toFixed(0)} KB`).join(', ')}.`,
    );
    out.push('');
  }
  if (results.node && !results.node.error) {
    const n = results.node;
    out.push('## Issue 3: Node, in-process');
    out.push('');
    out.push(
      `\`node bench/node.mjs\`: backend \`${n.backend}\`, ${n.node}, the same event text as the browser run.`,
    );
    out.push('');
    out.push('| figure | goal | measured | met |');
    out.push('|---|---|--:|:-:|');
    out.push(
      `| 100 000 events, appends of 1 000 | < 2 000 ms total | ${fmt(n.append.totalMs)} ms (p50 ${fmt(n.append.perBatch.p50)} ms per append) | ${n.append.totalMs < 2000 ? 'yes' : '**no**'} |`,
    );
    out.push(
      `| tail(50) of the 100 000-event session | p50 < 1 ms | p50 ${fmt(n.tail50.p50)} ms, p95 ${fmt(n.tail50.p95)} ms | ${n.tail50.p50 < 1 ? 'yes' : '**no**'} |`,
    );
    out.push(
      `| first search (indexes the 100 000 pending events) | reported apart | ${fmt(n.firstSearchMs)} ms | |`,
    );
    for (const [name, s] of Object.entries(n.search)) {
      out.push(
        `| search ${name} "${s.query}" (${s.matches} events match) | p50 < 20 ms | p50 ${fmt(s.p50)} ms, p95 ${fmt(s.p95)} ms | ${s.p50 < 20 ? 'yes' : '**no**'} |`,
      );
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

const METHOD = `- **Targets**, all in one run: threadkeep through \`openStore\` on the main thread (its engine in its dedicated worker, calls through comlink) on OPFS, on IndexedDB and in memory; threadkeep from a second tab (a follower; another page holds the store as leader); bare \`@sqlite.org/sqlite-wasm\` on \`opfs-sahpool\` with threadkeep's schema (its migration run as is), the same pragmas (WAL, exclusive locking, \`synchronous=NORMAL\`) and the same CJK bigram text, the FTS row written in the append's transaction, measured inside its own worker (no thread hop: the lower bound); \`idb-keyval\` (a key per event, \`setMany\`/\`getMany\`, a second store for sessions); IndexedDB without a library (object stores, a compound index, cursors); Dexie 4 (\`bulkPut\`, indexed \`where\` queries).
- **Peers without full-text search scan**, as their users do: Dexie and raw IndexedDB walk a cursor newest-first and stop at 20 matches; idb-keyval has no cursors, so it reads every value (\`values()\`). These rows are marked "scan". The peers' appends keep each session's record (last seq, count) in memory, as a single-tab app would, and write the events and that record in one transaction (idb-keyval: two, it has no multi-store transactions).
- **Data**: generated, the same for every target: 10–55 words per event (1 in 10 mostly Chinese), a controlled vocabulary so that FTS word matches and scan substring matches find the same events. Datasets are sessions of 1 000 events loaded by appends of 1 000.
- **Timing**: \`performance.now()\` around each awaited call, in the thread that makes the call (the page; for bare sahpool, its worker). Pages are cross-origin isolated (COOP/COEP), which gives a 5 µs timer instead of 100 µs; cold opens are not (see there). Per-call workloads report p50/p95/p99 after a warm-up; bulk ones their total.
- **Fairness**: every target gets an empty origin (all IndexedDB databases and OPFS entries removed) and a new page for each phase; targets run in rotating order from phase to phase; one Chromium with a persistent profile, launched without background throttling.
- **Read-back**: every workload reads back what it wrote or searched and folds it into an FNV-1a checksum, compared with the checksum of what the generator wrote (\`read-back ✓\`). Searches with at most 20 matching events must return exactly those; others must return 20 events that match, each with the content that was written.
- **Not hidden**: a workload that fails or times out is reported as such with its reason; \`--quick\` exits non-zero on any failure or checksum mismatch.`;

export function writeMarkdown(results, path) {
  let analysis = '';
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    if (a >= 0 && b > a) analysis = text.slice(a + START.length, b);
  }
  writeFileSync(path, renderMarkdown(results, analysis));
  // The repo's formatter aligns Markdown tables; `npm run check` must pass on a written report.
  const biome = resolve(import.meta.dirname, '../../node_modules/.bin/biome');
  execFileSync(biome, ['format', '--write', path], { stdio: 'ignore' });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/lib/report.mjs bench/results/<date>.json');
    process.exit(2);
  }
  writeMarkdown(
    { ...JSON.parse(readFileSync(file, 'utf8')), file },
    resolve(import.meta.dirname, '../../docs/BENCHMARKS.md'),
  );
}

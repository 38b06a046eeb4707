// `npm run bench` — threadkeep against its peers, in one run, in real headless Chromium with a
// persistent profile. `--quick`: the CI smoke version (small sizes, no 1 000 000-event or 1 GB
// cases, under 3 minutes); it exits non-zero when a workload fails or a checksum disagrees.
//
// Options: --quick, --targets=a,b, --phases=a,b, --no-node, --no-size, --out=<file>, --docs
// (write docs/BENCHMARKS.md; a full run writes it unless --no-docs).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';
import { checkResults } from './lib/checks.mjs';
import { writeMarkdown } from './lib/report.mjs';
import { buildBenchApp, repoRoot, serveDir } from './lib/serve.mjs';
import { measureEntrySize } from './lib/size.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = flag('quick');

export const TARGETS = [
  'tk-opfs',
  'tk-idb',
  'tk-memory',
  'tk-follower',
  'sahpool',
  'idb-keyval',
  'raw-idb',
  'dexie',
];
const targets = option('targets')?.split(',') ?? TARGETS;
// --quick uses one 30 000-event store (about 10 MB) for tail, search and the cold open.
const PHASES = quick
  ? ['writes', 'sessions', 'artifacts', 'dataset:30k']
  : ['writes', 'sessions', 'artifacts', 'dataset:100k', 'cold:10MB', 'dataset:1m'];
/** Phases whose store is then opened cold by a new page, and the size it is reported as. */
const COLD_AFTER = { 'dataset:30k': '10MB', 'cold:10MB': '10MB', 'dataset:1m': '1GB' };
const phases = option('phases')?.split(',') ?? PHASES;
/** Per (phase, target): past this, the target's phase is reported as timed out and the run goes on. */
const PHASE_TIMEOUT_MS = quick ? 90_000 : 45 * 60_000;
const COLD_TIMEOUT_MS = quick ? 30_000 : 15 * 60_000;
const coldRuns = (label) => (quick ? 2 : label === '1GB' ? 3 : 5);

const started = Date.now();
const log = (...m) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...m);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Resident memory of the bench page's renderer process (its page, workers and their wasm heaps),
 * from /proc: the one figure that counts a worker's wasm memory, which no page API reports. The
 * largest renderer of this run's profile is taken to be the bench page's (Chromium also runs
 * small renderers of its own). Linux only.
 */
function rendererRss(profileDir) {
  let largest = null;
  let pids;
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(`--user-data-dir=${profileDir}`) || !cmd.includes('--type=renderer')) continue;
      if (cmd.includes('top-chrome-webui')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) largest = Math.max(largest ?? 0, Number(rss[1]) * 1024);
    } catch {
      // The process ended while we looked.
    }
  }
  return largest;
}

/** Which code was measured: the commit, and whether the working tree had changes on top. */
function gitState() {
  const git = (...a) => spawnSync('git', a, { cwd: repoRoot, encoding: 'utf8' }).stdout?.trim() ?? '';
  const changed = git('status', '--porcelain', '--', 'src', 'worker').split('\n').filter(Boolean).length;
  return { commit: git('rev-parse', '--short', 'HEAD'), changedFilesInSrc: changed };
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/**
 * Leader handover (issue 5): a leader page and a follower page share an OPFS store; the leader
 * page is closed and, at the same moment, the follower appends. Measured from the close to that
 * append's answer and the follower leading (Node's clock: CDP adds ~1 ms). The follower, now leader, is the next round's
 * leader. The appended seqs must run on without a gap or a repeat.
 */
async function measureHandover(newPage) {
  const rounds = quick ? 4 : 20;
  const entry = { phase: 'handover', target: 'tk-follower', info: {}, workloads: [] };
  log('handover · tk-follower');
  const samples = [];
  const seqs = [];
  let leader;
  try {
    leader = await newPage();
    await leader.evaluate(() => window.bench.wipe());
    await leader.evaluate((s) => window.bench.holdLeader(s), 'bench-handover');
    for (let i = 0; i < rounds; i++) {
      const follower = await newPage();
      const role = await follower.evaluate((s) => window.bench.openFollower(s), 'bench-handover');
      if (role !== 'follower') throw new Error(`the second page opened the store as ${role}`);
      const t0 = performance.now();
      const closing = leader.close();
      const after = await withTimeout(
        follower.evaluate(() => window.bench.afterHandover()),
        10_000,
        'the call after the leader closed',
      );
      samples.push(performance.now() - t0);
      await closing;
      if (after.role !== 'leader') throw new Error(`after the handover the page is ${after.role}`);
      seqs.push(after.seq);
      leader = follower;
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
    const gapless = seqs.every((seq, i) => i === 0 || seq === seqs[i - 1] + 2);
    entry.workloads.push({
      workload: 'handover',
      kind: 'per-call',
      stats: { n: samples.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), min: at(0), max: at(1) },
      // Each round appends twice (warm-up, then after the handover): seqs step by 2.
      checksum: gapless ? 'seqs-ok' : `seqs ${seqs.join(',')}`,
      expected: 'seqs-ok',
    });
    log(`  handover: p50 ${at(0.5)} ms (n=${samples.length})`);
  } catch (error) {
    entry.error = String(error?.message ?? error);
    log(`  FAILED: ${entry.error}`);
  } finally {
    await leader?.close().catch(() => {});
  }
  return entry;
}

async function main() {
  log(`threadkeep bench (${quick ? 'quick' : 'full'}): building the bench page`);
  const app = await buildBenchApp();
  const server = await serveDir(app.outDir);
  const profileDir = join(repoRoot, 'bench/.profile');
  rmSync(profileDir, { recursive: true, force: true });
  const launch = await chromiumLaunchOptions();
  const context = await chromium.launchPersistentContext(profileDir, {
    headless: true,
    ...launch,
    args: [
      ...(launch.args ?? []),
      '--enable-precise-memory-info',
      '--js-flags=--expose-gc',
      '--enable-blink-features=ForceEagerMeasureMemory',
      // Several pages of one run are open at once (the follower target): none may be throttled.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
  });
  const browserVersion =
    context.browser()?.version() ??
    execFileSync(launch.executablePath ?? 'chromium', ['--version'], { encoding: 'utf8' }).trim();
  const results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: `npm run bench${quick ? ' -- --quick' : ''}${args
      .filter((a) => a !== '--quick')
      .map((a) => ` ${a}`)
      .join('')}`,
    machine: {
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    browser: browserVersion,
    source: gitState(),
    // Other work on the machine skews absolute times; ratios within one run are the figures to read.
    loadAverage: { start: loadavg().map((x) => Math.round(x * 100) / 100) },
    targets,
    phases: [],
    cold: [],
    node: null,
    size: null,
  };

  // Node and the entry size first, from the same source tree as the page just built.
  if (!flag('no-node')) {
    log('Node in-process figures (issue 3): node bench/node.mjs');
    const node = spawnSync(
      process.execPath,
      [join(repoRoot, 'bench/node.mjs'), '--json', ...(quick ? ['--quick'] : [])],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    if (node.status === 0) results.node = JSON.parse(node.stdout.trim().split('\n').at(-1));
    else results.node = { error: `bench/node.mjs exited ${node.status}: ${node.stderr.slice(-2000)}` };
  }
  if (!flag('no-size')) {
    log('main-thread entry size');
    results.size = await measureEntrySize().catch((e) => ({ error: String(e?.message ?? e) }));
  }

  const pageErrors = [];
  const newPage = async (query = '') => {
    const page = await context.newPage();
    await page.exposeFunction('benchRendererRss', () => rendererRss(profileDir));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`${m.text()} ${m.location()?.url ?? ''}`);
    });
    await page.goto(`${server.url}${query}`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    return page;
  };

  try {
    const envPage = await newPage();
    results.page = await envPage.evaluate(() => window.bench.env());
    results.page.rendererRssBytes = rendererRss(profileDir);
    await envPage.close();
    log(`Chromium ${browserVersion}; page isolated: ${results.page.crossOriginIsolated}`);

    for (const [p, phase] of phases.entries()) {
      for (const target of rotate(targets, p)) {
        const store = `bench-${phase.replace(/[^a-z0-9]/gi, '-')}`;
        const page = await newPage();
        let leader;
        const entry = { phase, target, info: {}, workloads: [] };
        try {
          await page.evaluate(() => window.bench.wipe());
          if (target === 'tk-follower') {
            leader = await newPage();
            entry.leader = await leader.evaluate((s) => window.bench.holdLeader(s), store);
          }
          log(`${phase} · ${target}`);
          const phaseStart = Date.now();
          const r = await withTimeout(
            page.evaluate(
              ([t, ph, o]) => window.bench.runPhase(t, ph, o),
              [
                target,
                phase,
                { quick, store, memory: phase.startsWith('dataset:'), fill: target !== 'tk-memory' },
              ],
            ),
            PHASE_TIMEOUT_MS,
            `${phase} on ${target}`,
          );
          Object.assign(entry, r);
          entry.ms = Date.now() - phaseStart;
          for (const w of r.workloads) {
            const s = w.stats
              ? `p50 ${w.stats.p50} ms (n=${w.stats.n})`
              : w.totalMs !== undefined
                ? `${w.totalMs} ms`
                : '';
            const bad = w.error
              ? ` ERROR ${w.error}`
              : w.checksum !== w.expected
                ? ` checksum ${w.checksum} ≠ ${w.expected}`
                : '';
            log(`  ${w.workload}: ${s}${bad}`);
          }
          if (r.info.unavailable) log(`  unavailable: ${r.info.unavailable}`);
        } catch (error) {
          entry.error = String(error?.message ?? error);
          log(`  FAILED: ${entry.error}`);
        } finally {
          await page.close().catch(() => {});
        }
        results.phases.push(entry);

        const coldLabel = COLD_AFTER[phase];
        if (coldLabel && target === 'tk-memory') {
          results.cold.push({
            label: coldLabel,
            target,
            runs: [],
            skipped: 'a memory store keeps nothing to open',
          });
        } else if (coldLabel && !entry.error && !entry.info.unavailable) {
          const cold = { label: coldLabel, target, runs: [] };
          for (let i = 0; i < coldRuns(coldLabel); i++) {
            const query = `?cold=${target}&store=${store}&label=${coldLabel}&run=${i}`;
            const coldPage = await context.newPage();
            coldPage.on('pageerror', (e) => pageErrors.push(String(e)));
            try {
              await coldPage.goto(`${server.url}${query}`);
              const handle = await withTimeout(
                coldPage.waitForFunction(() => window.coldResult, null, { timeout: 0, polling: 50 }),
                COLD_TIMEOUT_MS,
                `cold open ${coldLabel} on ${target}`,
              );
              cold.runs.push(await handle.jsonValue());
            } catch (error) {
              cold.runs.push({ error: String(error?.message ?? error) });
            } finally {
              await coldPage.close().catch(() => {});
            }
            const last = cold.runs.at(-1);
            log(
              `  cold open ${coldLabel} #${i + 1}: ${last.error ? `ERROR ${last.error}` : `${last.navToTailMs?.toFixed(1)} ms from navigation, ${last.openToTailMs?.toFixed(1)} ms from import`}`,
            );
            if (last.error) break;
          }
          results.cold.push(cold);
        }
        if (leader) {
          await leader.evaluate(() => window.bench.releaseLeader()).catch(() => {});
          await leader.close().catch(() => {});
        }
      }
    }
    if (targets.includes('tk-follower')) results.phases.push(await measureHandover(newPage));
  } finally {
    await context.close().catch(() => {});
    await server.close();
    app.dispose();
  }
  results.pageErrors = [...new Set(pageErrors)].slice(0, 20);

  results.durationMs = Date.now() - started;
  results.loadAverage.end = loadavg().map((x) => Math.round(x * 100) / 100);

  const problems = checkResults(results);
  results.problems = problems;
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  const day = results.date.slice(0, 10);
  const out = option('out') ?? join(repoRoot, `bench/results/${day}${quick ? '-quick' : ''}.json`);
  writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
  log(`results: ${out}`);
  if ((!quick && !flag('no-docs')) || flag('docs')) {
    const md = join(repoRoot, 'docs/BENCHMARKS.md');
    writeMarkdown(results, md);
    log(`report: ${md}`);
  }
  for (const p of problems) console.error(`PROBLEM: ${p}`);
  log(`done in ${(results.durationMs / 1000).toFixed(0)} s; ${problems.length} problem(s)`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

await main();

// One bench phase (by default `writes`) on two or more builds of threadkeep, interleaved in one
// browser so that they share the machine's state: each variant is a repository checkout whose
// bench page is built and served on its own origin; each round runs the phase once per variant
// and target, in alternating order. Prints each round's p50s and, per variant, the median of the
// rounds' p50s. For A/B tests of a change whose effect is smaller than the noise between whole
// `npm run bench` runs (which measure one build at a time).
// Usage: node bench/writes-ab.mjs --variants=/path/a,/path/b [--targets=tk-opfs,tk-idb]
//        [--phase=writes] [--rounds=5] [--workloads=append.single,append.batch10,stream.patch]
import { resolve } from 'node:path';
import { median, openVariants } from './lib/variants.mjs';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const variants = arg('variants', resolve(import.meta.dirname, '..')).split(',');
const targets = arg('targets', 'tk-opfs,tk-idb').split(',');
const phase = arg('phase', 'writes');
const rounds = Number(arg('rounds', '5'));
const wanted = arg('workloads', 'append.single,append.batch10,stream.patch').split(',');

const { served, context, close } = await openVariants(variants, () => ({ p50s: {} }));
try {
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      for (const v of round % 2 ? [...served].reverse() : served) {
        const page = await context.newPage();
        page.on('pageerror', (e) => console.log('page error:', e.message));
        await page.goto(v.server.url);
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
        await page.evaluate(() => window.bench.wipe());
        const r = await page.evaluate(
          ([t, ph]) => window.bench.runPhase(t, ph, { quick: false, store: 'bench-ab', fill: true }),
          [target, phase],
        );
        await page.close();
        if (r.info.unavailable) throw new Error(`${v.root}: ${r.info.unavailable}`);
        const line = [];
        for (const w of r.workloads) {
          if (!wanted.includes(w.workload)) continue;
          if (w.error || w.checksum !== w.expected)
            throw new Error(`${v.root} ${target} ${w.workload}: ${w.error ?? 'checksum mismatch'}`);
          const key = `${target} ${w.workload}`;
          v.p50s[key] ??= [];
          v.p50s[key].push(w.stats.p50);
          line.push(`${w.workload} ${w.stats.p50}`);
        }
        console.log(`round ${round} ${target} ${v.root}: ${line.join(', ')}`);
      }
    }
  }
  console.log(`\nmedian of ${rounds} rounds' p50 (ms):`);
  for (const key of Object.keys(served[0].p50s)) {
    console.log(
      `  ${key.padEnd(32)} ${served.map((v) => `${median(v.p50s[key]).toFixed(3)} (${v.root})`).join('  vs  ')}`,
    );
  }
} finally {
  await close();
}

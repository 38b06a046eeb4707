// Cold opens of two or more builds of threadkeep, interleaved in one browser so that they share
// the machine's state: each variant is a repository checkout whose bench page is built and served
// on its own origin, filled once, then opened cold in turns. Prints each run's `TKT <mark> <epoch
// ms>` lines (if the code logs any) relative to navigation start, and per-variant medians.
// Usage: node bench/cold-trace.mjs [--variants=/path/a,/path/b] [--target=tk-opfs] [--label=10MB] [--runs=5] [--marks]
import { resolve } from 'node:path';
import { median, openVariants } from './lib/variants.mjs';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const variants = arg('variants', resolve(import.meta.dirname, '..')).split(',');
const target = arg('target', 'tk-opfs');
const label = arg('label', '10MB');
const runs = Number(arg('runs', '5'));
const showMarks = process.argv.includes('--marks');

const { served, context, close } = await openVariants(variants, () => ({ times: [], imports: [] }));
const store = 'bench-cold';
try {
  for (const v of served) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log('page error:', e.message));
    await page.goto(v.server.url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    await page.evaluate(() => window.bench.wipe());
    const r = await page.evaluate(
      ([t, s, l]) => window.bench.runPhase(t, `cold:${l}`, { quick: false, store: s, fill: true }),
      [target, store, label],
    );
    if (r.info.unavailable) throw new Error(`${v.root}: ${r.info.unavailable}`);
    await page.close();
  }
  for (let i = 0; i < runs; i++) {
    for (const v of i % 2 ? [...served].reverse() : served) {
      const p = await context.newPage();
      const lines = [];
      p.on('console', (m) => {
        if (m.text().startsWith('TKT ')) lines.push(m.text());
      });
      await p.goto(`${v.server.url}?cold=${target}&store=${store}&label=${label}&run=${i}`);
      const res = await (
        await p.waitForFunction(() => window.coldResult, null, { timeout: 60000 })
      ).jsonValue();
      const origin = await p.evaluate(() => performance.timeOrigin);
      await p.close();
      if (res.error) throw new Error(`${v.root}: ${res.error}`);
      v.times.push(res.navToTailMs);
      v.imports.push(res.openToTailMs);
      console.log(
        `${v.root} run ${i}: from navigation ${res.navToTailMs.toFixed(1)}, from import ${res.openToTailMs.toFixed(1)} ms`,
      );
      if (!showMarks) continue;
      const marks = [...new Set(lines)]
        .map((l) => l.split(' '))
        .map(([, name, at]) => [name, Number(at) - origin])
        .sort((a, b) => a[1] - b[1]);
      for (const [n, t] of marks) console.log(`   ${t.toFixed(1).padStart(7)}  ${n}`);
    }
  }
  for (const v of served) {
    console.log(
      `${v.root}: median from navigation ${median(v.times).toFixed(1)} ms, from import ${median(v.imports).toFixed(1)} ms (${runs} runs)`,
    );
  }
} finally {
  await close();
}

// Two or more checkouts of threadkeep side by side in one browser, for interleaved A/B runs
// (bench/cold-trace.mjs, bench/writes-ab.mjs): each checkout's bench page is built and served on
// its own origin; one Chromium with a persistent profile opens them all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';

/** Builds and serves each checkout in `roots`; each variant gets `fields()`'s own fields too. */
export async function openVariants(roots, fields = () => ({})) {
  const served = [];
  for (const root of roots) {
    const { buildBenchApp, serveDir } = await import(join(root, 'bench/lib/serve.mjs'));
    const app = await buildBenchApp();
    served.push({ root, app, server: await serveDir(app.outDir), ...fields() });
  }
  const profile = mkdtempSync(join(tmpdir(), 'tk-ab-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...(await chromiumLaunchOptions()),
    headless: true,
  });
  return {
    served,
    context,
    async close() {
      await context.close();
      for (const v of served) {
        await v.server.close();
        v.app.dispose();
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The median (upper, for an even count) of `xs`. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

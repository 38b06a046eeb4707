// Finds the Chromium that tests, the demo check and the benchmarks drive. Order: $CHROMIUM_PATH,
// Debian's /usr/bin/chromium, then a browser Playwright installed itself. Never downloads one.
import { existsSync } from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'];
  for (const path of candidates) if (path && existsSync(path)) return path;
  return undefined;
}

/** Launch options for Playwright: Debian's Chromium when found, else Playwright's own (if any). */
export async function chromiumLaunchOptions() {
  const executablePath = findChromium();
  if (executablePath) return { executablePath, args: CHROMIUM_ARGS };
  const { chromium } = await import('playwright');
  const own = chromium.executablePath();
  if (own && existsSync(own)) return { args: CHROMIUM_ARGS };
  throw new Error(
    'No Chromium found for the browser tests. Install one with `apt-get update && apt-get install -y chromium` ' +
      '(Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary.',
  );
}

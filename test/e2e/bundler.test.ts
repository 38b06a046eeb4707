/**
 * A user's Vite app that installs the packed tarball, built for production and opened in
 * Chromium: the worker and sqlite3.wasm must be found with no threadkeep-specific config.
 * Most user issues of WASM SQLite libraries are packaging issues; this is where they show.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, repoRoot } from './harness.js';

let app: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'threadkeep-vite-app-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', app], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  const tarball = join(app, JSON.parse(out)[0].filename);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'vite-app', private: true, type: 'module' }),
  );
  writeFileSync(
    join(app, 'index.html'),
    '<!doctype html><html><body><p id="out">loading</p><script type="module" src="./main.js"></script></body></html>',
  );
  writeFileSync(
    join(app, 'main.js'),
    `import { openStore, ThreadkeepError } from 'threadkeep';
     const out = document.getElementById('out');
     try {
       const store = await openStore({ name: 'bundled' });
       await store.events.append('s', [{ role: 'user', content: 'bundled hello' }]);
       const [hit] = await store.search('bundled');
       const info = await store.info();
       let code;
       try { await store.artifacts.get('../x'); } catch (e) { code = e instanceof ThreadkeepError && e.code; }
       out.textContent = JSON.stringify({ snippet: hit.snippet, backend: info.backend, code });
       await store.close();
     } catch (e) {
       out.textContent = 'error: ' + (e && e.code) + ' ' + (e && e.message);
     }`,
  );
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `vite@${vitePinned()}`],
    { cwd: app, stdio: 'pipe' },
  );
}, 240_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function vitePinned(): string {
  return JSON.parse(
    execFileSync('npm', ['pkg', 'get', 'devDependencies.vite'], { cwd: repoRoot, encoding: 'utf8' }),
  ) as string;
}

async function runApp(url: string): Promise<unknown> {
  const profile = await launchProfile();
  try {
    const page = await profile.context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'loading', null, {
      timeout: 30_000,
    });
    const text = (await page.textContent('#out'))!;
    return text.startsWith('error') ? text : JSON.parse(text);
  } finally {
    await profile.dispose();
  }
}

const expected = { snippet: 'bundled hello', backend: 'opfs', code: 'INVALID_ARGUMENT' };

describe('a Vite app using the packed package', () => {
  it('builds with no threadkeep-specific config and runs in Chromium', async () => {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: app, stdio: 'pipe' });
    const { preview: startPreview } = await import(join(app, 'node_modules/vite/dist/node/index.js'));
    const server = await startPreview({
      root: app,
      logLevel: 'error',
      preview: { port: 0, host: '127.0.0.1' },
    });
    const address = server.httpServer.address();
    try {
      expect(await runApp(`http://127.0.0.1:${address.port}/`)).toEqual(expected);
    } finally {
      await server.close();
    }
  });

  it('runs under the Vite dev server with no threadkeep-specific config', async () => {
    const { createServer } = await import(join(app, 'node_modules/vite/dist/node/index.js'));
    const server = await createServer({
      root: app,
      logLevel: 'error',
      server: { port: 0, host: '127.0.0.1' },
    });
    await server.listen();
    const address = server.httpServer.address();
    try {
      expect(await runApp(`http://127.0.0.1:${address.port}/`)).toEqual(expected);
    } finally {
      await server.close();
    }
  });
});

/**
 * The package as a new user gets it: `npm pack`, install the tarball into an empty project, and
 * import it from plain Node (no TypeScript, no bundler). Needs `npm run build` first (`npm test`
 * does it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_VERSION } from '../../src/core/version.js';

const root = resolve(import.meta.dirname, '../..');
let project: string;

describe('the packed package', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/src/index.js')))
      throw new Error('dist/ is missing: run `npm run build` first');
    project = mkdtempSync(join(tmpdir(), 'threadkeep-pack-'));
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], {
      cwd: root,
      encoding: 'utf8',
    });
    const tarball = join(project, JSON.parse(out)[0].filename);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'app', type: 'module', private: true }),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: project,
      stdio: 'pipe',
    });
  }, 180_000);
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('keeps the version in info() equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(LIBRARY_VERSION).toBe(pkg.version);
  });

  it('runs the README example exactly as printed', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Use it\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from 'threadkeep'");
    writeFileSync(join(project, 'readme.mjs'), example!);
    const out = execFileSync('node', ['readme.mjs'], { cwd: project, encoding: 'utf8' });
    expect(out).toBe('The origin private file system. [ [ 4, 10 ], [ 11, 18 ] ]\nmemory\n');
  }, 60_000);

  it('imports from plain Node: errors, fileStorage across reopen', () => {
    const script = `
      import { openStore, ThreadkeepError } from 'threadkeep';
      import { fileStorage } from 'threadkeep/node';
      const store = await openStore({ name: 'demo' });
      await store.events.append('chat-1', [
        { role: 'user', content: 'What is OPFS?' },
        { role: 'assistant', content: 'The origin private file system.' },
      ]);
      const hits = await store.search('origin private');
      const info = await store.info();
      let code;
      try { await store.sessions.create({ id: '' }); } catch (e) { code = e instanceof ThreadkeepError && e.code; }
      await store.close();
      const dir = process.argv[2];
      const a = await openStore({ name: 'disk', storage: fileStorage(dir) });
      await a.events.append('s', { content: 'kept on disk' });
      await a.close();
      const b = await openStore({ name: 'disk', storage: fileStorage(dir) });
      const kept = (await b.events.list('s')).map((e) => e.content);
      await b.close();
      console.log(JSON.stringify({ hit: hits[0].snippet, backend: info.backend, role: info.role, code, kept }));
    `;
    writeFileSync(join(project, 'main.mjs'), script);
    const out = execFileSync('node', ['main.mjs', join(project, 'data')], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      hit: 'The origin private file system.',
      backend: 'memory',
      role: 'single',
      code: 'INVALID_ARGUMENT',
      kept: ['kept on disk'],
    });
  }, 60_000);
});

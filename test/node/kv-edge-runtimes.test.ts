/**
 * The contract suite inside the runtimes threadkeep promises beyond browsers and Node, each with
 * a KeyValueStorage the runtime provides: Deno (`deno` from npm; Deno KV) and workerd (`miniflare`
 * from npm; a Durable Object's storage). The package is loaded as a user's project loads it,
 * through its export conditions; the storage wrappers are docs/edge.md's, as printed.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry } from '../edge/bundle.js';
import { docsCode } from '../edge/docs-code.js';
import { type PackageCopy, packageCopy, repoRoot } from '../edge/package-copy.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

let pkg: PackageCopy;
beforeAll(() => {
  pkg = packageCopy('threadkeep-edge-');
});
afterAll(() => pkg?.dispose());

interface Report {
  passed: number;
  skipped: number;
  failed: Array<{ name: string; error: string }>;
}

/** The runtime's binary from its npm package; a clear failure (never a skip) when it is missing. */
function binaryOf(npmPackage: string, relativeBin: string): string {
  try {
    return join(require.resolve(`${npmPackage}/package.json`), '..', relativeBin);
  } catch {
    throw new Error(
      `the npm package "${npmPackage}" is not installed; run \`npm ci\` (it is a devDependency of threadkeep)`,
    );
  }
}

function resultOf(stdout: string): unknown {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT line in the output:\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length));
}

/** Every test passed on every target; only the durability test is skipped, on memory. */
function expectWholeSuitePassed(reports: Record<string, Report>): void {
  const total = Object.values(reports).map((r) => r.passed + r.skipped);
  for (const [label, report] of Object.entries(reports)) {
    expect({ label, failed: report.failed }).toEqual({ label, failed: [] });
    expect(report.skipped).toBe(label === 'memory' ? 1 : 0);
  }
  expect(new Set(total).size).toBe(1);
  expect(total[0]).toBeGreaterThanOrEqual(40);
}

describe('Deno', () => {
  let entry: string;
  let deno: string;
  // threadkeep needs --allow-read (sqlite3.wasm) and, for fileStorage, --allow-write and
  // --allow-sys=hostname (its lock names the host); --allow-env is for vitest's expect (colours).
  const denoRun = async (...args: string[]) => {
    const { stdout } = await run(
      process.execPath,
      [
        deno,
        'run',
        '--unstable-kv',
        '--allow-read',
        '--allow-write',
        '--allow-sys=hostname',
        '--allow-env',
        entry,
        ...args,
      ],
      {
        cwd: pkg.app,
        env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
        maxBuffer: 16 << 20,
      },
    );
    return resultOf(stdout);
  };

  beforeAll(async () => {
    deno = binaryOf('deno', 'bin.cjs');
    entry = await bundleEntry({
      entry: join(repoRoot, 'test/edge/deno-entry.ts'),
      outDir: join(pkg.app, 'deno'),
      conditions: ['deno', 'node', 'import', 'default'],
      external: {
        '../../src/inprocess/index.js': 'threadkeep',
        '../../src/backends/file-storage.js': 'threadkeep/node',
      },
      sources: { 'docs:deno-kv-storage': docsCode('deno-kv-storage.ts') },
    });
  }, 60_000);

  it('passes the contract suite on memory, Deno KV and fileStorage', async () => {
    const dir = join(pkg.app, 'deno-data');
    mkdirSync(dir);
    const reports = (await denoRun(join(pkg.app, 'contract.kv'), join(dir, 'files'), 'contract')) as Record<
      string,
      Report
    >;
    expect(Object.keys(reports)).toEqual(['memory', 'kv (Deno KV)', 'kv (fileStorage)']);
    expectWholeSuitePassed(reports);
  }, 60_000);

  it('keeps a store in Deno KV across processes, values over 64 KiB split', async () => {
    const kv = join(pkg.app, 'kept.kv');
    expect(await denoRun(kv, pkg.app, 'write')).toEqual({ written: true });
    const read = (await denoRun(kv, pkg.app, 'read')) as Record<string, unknown>;
    expect(read).toMatchObject({
      contents: ['kept in Deno KV'],
      bigLength: 300_000,
      snippet: 'kept in Deno KV',
      info: { backend: 'kv', role: 'single', counts: { sessions: 1, events: 1, artifacts: 1 } },
    });
  }, 60_000);
});

describe('workerd', () => {
  let dir: string;
  let bundle: string;
  type MiniflareInstance = InstanceType<typeof import('miniflare').Miniflare>;
  let mf: MiniflareInstance | undefined;

  const start = async (persist: string): Promise<MiniflareInstance> => {
    const { Miniflare } = await import('miniflare').catch(() => {
      throw new Error(
        'the npm package "miniflare" is not installed; run `npm ci` (it is a devDependency of threadkeep)',
      );
    });
    const instance = new Miniflare({
      modules: [
        { type: 'ESModule', path: join(dir, 'entry.mjs'), contents: bundle },
        {
          type: 'CompiledWasm',
          path: join(dir, 'sqlite3.wasm'),
          contents: readFileSync(join(dir, 'sqlite3.wasm')),
        },
      ],
      modulesRoot: dir,
      compatibilityDate: '2026-07-01',
      durableObjects: { CONTRACT: 'ContractObject' },
      durableObjectsPersist: persist,
    });
    await instance.ready;
    return instance;
  };
  const fetchJson = async (path: string) => {
    const response = await mf!.dispatchFetch(`http://worker${path}`);
    const body = await response.json();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };

  beforeAll(async () => {
    dir = join(pkg.app, 'workerd');
    await bundleEntry({
      entry: join(repoRoot, 'test/edge/workerd-entry.ts'),
      outDir: dir,
      conditions: ['workerd', 'worker', 'browser', 'import', 'default'],
      external: { '@sqlite.org/sqlite-wasm/sqlite3.wasm': './sqlite3.wasm' },
      redirect: { '../../src/inprocess/index.js': 'threadkeep' },
      resolveFrom: pkg.app,
      sources: { 'docs:durable-object-storage': docsCode('durable-object-storage.ts') },
    });
    copyFileSync(require.resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm'), join(dir, 'sqlite3.wasm'));
    bundle = readFileSync(join(dir, 'entry.mjs'), 'utf8');
    mf = await start(join(pkg.app, 'do-contract'));
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
  });

  it("gets the package's workerd build, which sets SQLite up at module load", async () => {
    expect(bundle).toContain('function refuseLateCallbacks');
    expect(await fetchJson('/memory')).toEqual({
      backend: 'memory',
      sqliteVersion: expect.stringMatching(/^3\.\d+\.\d+$/),
      snippet: 'in a request',
    });
  }, 60_000);

  it('passes the contract suite on memory and on a Durable Object', async () => {
    const reports = (await fetchJson('/contract')) as Record<string, Report>;
    expect(Object.keys(reports)).toEqual(['memory', 'kv (Durable Object)']);
    expectWholeSuitePassed(reports);
  }, 60_000);

  it('keeps a store in Durable Object storage across a restart of workerd', async () => {
    await mf?.dispose();
    const persist = join(pkg.app, 'do-kept');
    mf = await start(persist);
    expect(await fetchJson('/write')).toEqual({ written: true });
    await mf.dispose();
    mf = await start(persist);
    const read = (await fetchJson('/read')) as { largestValue: number };
    expect(read.largestValue).toBeLessThanOrEqual(131_072);
    expect(read).toMatchObject({
      contents: ['kept in a Durable Object'],
      bigLength: 300_000,
      snippet: 'kept in a Durable Object',
      info: { backend: 'kv', role: 'single', counts: { sessions: 1, events: 1, artifacts: 1 } },
    });
  }, 60_000);
});

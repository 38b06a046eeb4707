import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { decodeKey, encodeKey, fileStorage } from '../../src/backends/file-storage.js';
import { openJournaledDatabase } from '../../src/backends/journal/index.js';
import { ThreadkeepError } from '../../src/core/errors.js';

const root = mkdtempSync(join(tmpdir(), 'threadkeep-files-'));
let dirs = 0;
const freshDir = () => join(root, `store-${++dirs}`);
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('file names', () => {
  test('keys map to safe, case-distinct file names and back', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.string({ maxLength: 10 }),
        (key, other) => {
          const name = encodeKey(key);
          expect(name).toMatch(/^[a-z0-9_%^-]*$/);
          expect(decodeKey(name)).toBe(key);
          if (other !== key) expect(encodeKey(other).toLowerCase()).not.toBe(name.toLowerCase());
        },
      ),
    );
    for (const key of ['..', '.', '../x', 'a/b', 'A', 'a', '%41', '^a', 'con', 'ünï/cødé']) {
      expect(decodeKey(encodeKey(key))).toBe(key);
    }
    expect(encodeKey('A')).not.toBe(encodeKey('a'));
  });
});

describe('fileStorage', () => {
  test('get/set/delete/list round-trip, inside the directory, and survive a new instance', async () => {
    const dir = freshDir();
    const storage = fileStorage(dir);
    expect(await storage.get('missing')).toBeUndefined();
    await storage.set('p/one', new Uint8Array([1, 2, 3]));
    await storage.set('p/two', new Uint8Array(100_000).fill(9));
    await storage.set('p/one', new Uint8Array([4])); // overwrite
    await storage.set('../escape', new Uint8Array([5]));
    await storage.set('q/other', new Uint8Array([6]));
    expect(existsSync(join(dirname(dir), 'escape'))).toBe(false);
    expect((await storage.list('p/')).sort()).toEqual(['p/one', 'p/two']);
    expect(await storage.get('p/one')).toEqual(new Uint8Array([4]));
    await storage.delete('p/one');
    await storage.delete('p/one'); // deleting what is gone is fine
    expect(await storage.list('p/')).toEqual(['p/two']);
    expect(readdirSync(dir).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
    await storage.unlock();

    const again = fileStorage(dir);
    expect((await again.get('p/two'))?.length).toBe(100_000);
    expect(await again.get('../escape')).toEqual(new Uint8Array([5]));
    await again.unlock();
  });

  test('a journaled database over fileStorage reopens with its content', async () => {
    const sqlite3 = await sqlite3InitModule();
    const dir = freshDir();
    const first = fileStorage(dir);
    const j = await openJournaledDatabase(sqlite3, first, { prefix: 'threadkeep/files/' });
    j.db.exec('CREATE TABLE t(x); CREATE VIRTUAL TABLE f USING fts5(body)');
    await j.commit();
    for (let i = 0; i < 20; i++) {
      j.db.exec({ sql: 'INSERT INTO t VALUES (?)', bind: [i] });
      j.db.exec({ sql: 'INSERT INTO f VALUES (?)', bind: [`word${i} common`] });
      await j.commit();
    }
    await j.compact({ force: true });
    await j.close();
    await first.unlock();

    const second = fileStorage(dir);
    const k = await openJournaledDatabase(sqlite3, second, { prefix: 'threadkeep/files/' });
    expect(k.db.selectValue('SELECT count(*) FROM t')).toBe(20);
    expect(k.db.selectValue("SELECT count(*) FROM f WHERE f MATCH 'common'")).toBe(20);
    expect(k.storedBytes()).toBeGreaterThan(0);
    await k.close();
    await second.unlock();
  });

  test('a second fileStorage of the same directory in this process is refused until the first unlocks', async () => {
    const dir = freshDir();
    const first = fileStorage(dir);
    await first.set('k', new Uint8Array([1]));
    const second = fileStorage(dir);
    const error = await second.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadkeepError);
    expect((error as ThreadkeepError).code).toBe('BACKEND_UNAVAILABLE');
    expect((error as ThreadkeepError).message).toContain(dir);
    expect((error as ThreadkeepError).message).toContain(`pid ${process.pid}`);
    await first.unlock();
    expect(await second.get('k')).toEqual(new Uint8Array([1]));
    await second.unlock();
  });

  test('a directory held by another process is refused with its pid; once that process dies, its lock is taken over', async () => {
    const dir = freshDir();
    const child = await lockInChild(dir, { stay: true });
    const error = await fileStorage(dir)
      .lock()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadkeepError);
    expect((error as ThreadkeepError).code).toBe('BACKEND_UNAVAILABLE');
    expect((error as ThreadkeepError).message).toMatch(
      new RegExp(`"${escapeRegExp(dir)}" is in use by process ${child.pid}\\b`),
    );

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL'); // no chance to clean up: the lock file stays, naming a dead pid
    await exited;
    expect(existsSync(join(dir, '.lock'))).toBe(true);
    const storage = fileStorage(dir);
    await storage.lock();
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
    await storage.unlock();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  test('a process that exits normally leaves no lock behind', async () => {
    const dir = freshDir();
    const child = await lockInChild(dir, { stay: false });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  test('a lock file naming a pid that no longer runs is taken over', async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    const { hostname } = await import('node:os');
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({ pid: Number(dead), host: hostname(), token: 'old', since: 0 }),
    );
    const storage = fileStorage(dir);
    await storage.set('k', new Uint8Array([1]));
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
    await storage.unlock();
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let compiled: string | undefined;
/** file-storage.ts (and errors.ts) as plain JS, so a child `node` can import them. */
function compiledFileStorage(): string {
  if (compiled) return compiled;
  const out = join(root, 'compiled');
  for (const [source, target] of [
    ['src/backends/file-storage.ts', 'backends/file-storage.js'],
    ['src/core/errors.ts', 'core/errors.js'],
  ] as const) {
    const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    mkdirSync(dirname(join(out, target)), { recursive: true });
    writeFileSync(join(out, target), outputText);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  compiled = pathToFileURL(join(out, 'backends/file-storage.js')).href;
  return compiled;
}

/** A child process that locks `dir` through fileStorage, then stays alive or exits normally. */
async function lockInChild(dir: string, { stay }: { stay: boolean }): Promise<ChildProcess> {
  const script = `
    import { fileStorage } from ${JSON.stringify(compiledFileStorage())};
    await fileStorage(process.env.STORE_DIR).lock();
    process.stdout.write('locked\\n');
    if (${stay}) setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, STORE_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (data) => {
    stderr += data;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (data) => {
      if (String(data).includes('locked')) resolve();
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the child exited with ${code}: ${stderr}`));
    });
  });
  return child;
}

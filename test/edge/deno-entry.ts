/**
 * Runs inside Deno (bundled; `threadkeep` stays an import that Deno resolves from node_modules
 * through the package's `deno` condition). `deno run entry.mjs <kv path> <dir> contract|write|read`.
 */

// @ts-expect-error bundled from docs/edge.md
import { denoKvStorage } from 'docs:deno-kv-storage';
import { fileStorage } from '../../src/backends/file-storage.js';
import type { KeyValueStorage } from '../../src/core/types.js';
import { deleteStore, openStore, ThreadkeepError } from '../../src/inprocess/index.js';
import { runContract } from './contract-runner.js';

declare const Deno: {
  args: string[];
  openKv(path: string): Promise<{ close(): void }>;
  exit(code: number): never;
};

const [kvPath, dir, mode] = Deno.args as [string, string, string];
const kv = await Deno.openKv(kvPath);
const storage = denoKvStorage(kv) as KeyValueStorage;
let output: unknown;

if (mode === 'contract') {
  const files = fileStorage(dir);
  output = await runContract([
    {
      label: 'memory',
      backend: 'memory',
      open: (options) => openStore({ ...options, backend: 'memory' }),
      durable: false,
      remove: (name) => deleteStore(name),
      ErrorClass: ThreadkeepError,
    },
    {
      label: 'kv (Deno KV)',
      backend: 'kv',
      open: (options) => openStore({ ...options, storage }),
      durable: true,
      remove: (name) => deleteStore(name, { storage }),
      ErrorClass: ThreadkeepError,
    },
    {
      label: 'kv (fileStorage)',
      backend: 'kv',
      open: (options) => openStore({ ...options, storage: files }),
      durable: true,
      remove: (name) => deleteStore(name, { storage: files }),
      ErrorClass: ThreadkeepError,
    },
  ]);
} else if (mode === 'write') {
  const store = await openStore({ name: 'kept', storage });
  // 300 KB of text: the journal's values exceed Deno KV's 64 KiB, so they are split into parts.
  await store.artifacts.put({ handle: 'big', data: 'x'.repeat(300_000) });
  await store.events.append('s', [{ role: 'user', content: 'kept in Deno KV' }]);
  await store.close();
  output = { written: true };
} else {
  const store = await openStore({ name: 'kept', storage });
  const events = await store.events.list('s');
  const big = await store.artifacts.text('big');
  const [hit] = await store.search('deno');
  output = {
    contents: events.map((e) => e.content),
    bigLength: big?.length,
    snippet: hit?.snippet,
    info: await store.info(),
  };
  await store.close();
}
kv.close();
console.log(`RESULT ${JSON.stringify(output)}`);

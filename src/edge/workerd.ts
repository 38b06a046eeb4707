/**
 * threadkeep in Cloudflare Workers and other workerd hosts, chosen by the `workerd` export
 * condition. workerd compiles WebAssembly only while a Worker's modules load, never inside a
 * request, and has no `import.meta.url` to find `sqlite3.wasm` by. So this entry takes the
 * `.wasm` as a module the bundler compiled (wrangler's default rule for `*.wasm`), instantiates
 * SQLite with top-level await at module load, and registers there every JavaScript callback SQLite
 * calls later (the journal VFS behind backend 'kv', search's ranking function): sqlite-wasm compiles a small helper module for
 * each one it installs, which a request could not do.
 */
import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import sqliteWasm from '@sqlite.org/sqlite-wasm/sqlite3.wasm';
import { journalVfs } from '../backends/journal/journal-vfs.js';
import { ThreadkeepError } from '../core/errors.js';
import { prepareRanking } from '../core/search/rank.js';
import { useSqlite } from '../inprocess/open-store.js';

type InitWithOptions = (options: {
  instantiateWasm(
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): WebAssembly.Exports;
}) => Promise<Sqlite3Static>;

// sqlite-wasm probes for OPFS at start-up and, finding no `location` here, logs two stack traces
// on every cold start; OPFS never exists in workerd, so only those two warnings are dropped.
(globalThis as { sqlite3ApiConfig?: object }).sqlite3ApiConfig = {
  warn(...args: unknown[]) {
    if (!String(args[0]).startsWith('Ignoring inability to install')) console.warn(...args);
  },
};
const sqlite3 = await (sqlite3InitModule as unknown as InitWithOptions)({
  instantiateWasm(imports, receive) {
    const instance = new WebAssembly.Instance(sqliteWasm, imports);
    receive(instance, sqliteWasm);
    return instance.exports;
  },
});
journalVfs(sqlite3);
prepareRanking(sqlite3);
refuseLateCallbacks(sqlite3);
useSqlite(sqlite3);

/**
 * Any callback installed after this point would need WebAssembly compiled inside a request, which
 * workerd refuses with a bare "Wasm code generation disallowed by embedder": say what happened.
 */
function refuseLateCallbacks(sqlite: Sqlite3Static): void {
  const wasm = sqlite.wasm as unknown as { jsFuncToWasm(func: unknown, sig: string): unknown };
  const original = wasm.jsFuncToWasm;
  wasm.jsFuncToWasm = function jsFuncToWasm(func: unknown, sig: string) {
    try {
      return original.call(this, func, sig);
    } catch (error) {
      const signature = typeof sig === 'string' ? sig : String(func);
      throw new ThreadkeepError(
        'INTERNAL',
        `SQLite needed a JavaScript callback of signature "${signature}" that threadkeep's workerd entry did not register at module load (workerd compiles WebAssembly only then): ${(error as Error)?.message ?? String(error)}`,
      );
    }
  };
}

export * from '../inprocess/index.js';

/**
 * Loads SQLite once per thread, for every store that thread holds. Runtimes that must set SQLite
 * up themselves (workerd compiles WebAssembly only while a Worker's modules load) hand their
 * instance over with `useSqlite`.
 */
import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';

let loading: Promise<Sqlite3Static> | undefined;

/**
 * sqlite-wasm installs VFSes threadkeep never uses. Under COOP/COEP its `opfs` and `opfs-wl` VFSes
 * each start a helper worker (+35 ms measured at start); `kvvfs` is localStorage-backed.
 * threadkeep uses `opfs-sahpool` and its own journal VFS only.
 */
function disableUnusedVfs(): void {
  const g = globalThis as { sqlite3ApiConfig?: { disable?: { vfs?: Record<string, boolean> } } };
  const config = g.sqlite3ApiConfig ?? {};
  config.disable = {
    ...config.disable,
    vfs: { ...config.disable?.vfs, opfs: true, 'opfs-vfs': true, 'opfs-wl': true, kvvfs: true },
  };
  g.sqlite3ApiConfig = config;
}

function initError(error: unknown): ThreadkeepError {
  const message = error instanceof Error ? error.message : String(error);
  if (/wasm-unsafe-eval|Content Security Policy|WebAssembly.*(disallowed|not allowed)/i.test(message)) {
    return new ThreadkeepError(
      'BACKEND_UNAVAILABLE',
      `SQLite's WebAssembly may not be compiled here (${message}); allow it, e.g. in an extension's manifest: "content_security_policy": {"extension_pages": "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'"}`,
    );
  }
  return toThreadkeepError(error, 'loading SQLite');
}

export function loadSqlite(): Promise<Sqlite3Static> {
  loading ??= (async () => {
    disableUnusedVfs();
    return sqlite3InitModule();
  })().catch((error: unknown) => {
    loading = undefined;
    throw initError(error);
  });
  return loading;
}

export function useSqlite(sqlite3: Sqlite3Static): void {
  loading = Promise.resolve(sqlite3);
}

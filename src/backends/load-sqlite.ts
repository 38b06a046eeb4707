/**
 * Loads SQLite once per thread, for every store that thread holds. Runtimes that must set SQLite
 * up themselves (workerd compiles WebAssembly only while a Worker's modules load) hand their
 * instance over with `useSqlite`.
 */
import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { ThreadkeepError, toThreadkeepError } from '../core/errors.js';

let loading: Promise<Sqlite3Static> | undefined;

type SqliteErrorListener = (source: string, error: unknown) => void;
const errorListeners = new Set<SqliteErrorListener>();

/**
 * Hears what SQLite's JS side logs as errors, tagged with the VFS name it logs under. opfs-sahpool
 * turns every failed file operation into a bare SQLITE_IOERR ("disk I/O error") and only logs the
 * DOMException behind it, e.g. the QuotaExceededError of a full origin: a listener can keep it.
 */
export function onSqliteError(listener: SqliteErrorListener): () => void {
  errorListeners.add(listener);
  return () => errorListeners.delete(listener);
}

interface ApiConfig {
  disable?: { vfs?: Record<string, boolean> };
  error?: ((...args: unknown[]) => void) & { threadkeep?: true };
}

/**
 * sqlite-wasm installs VFSes threadkeep never uses. Under COOP/COEP its `opfs` and `opfs-wl` VFSes
 * each start a helper worker (+35 ms measured at start); `kvvfs` is localStorage-backed.
 * threadkeep uses `opfs-sahpool` and its own journal VFS only. The VFSes take their error logger
 * from this config when SQLite starts, so `onSqliteError` is wired here.
 */
function configureSqlite(): void {
  const g = globalThis as { sqlite3ApiConfig?: ApiConfig };
  const config = g.sqlite3ApiConfig ?? {};
  config.disable = {
    ...config.disable,
    vfs: { ...config.disable?.vfs, opfs: true, 'opfs-vfs': true, 'opfs-wl': true, kvvfs: true },
  };
  if (!config.error?.threadkeep) {
    const forward = config.error ?? console.error.bind(console);
    // opfs-sahpool logs as `error("<vfs name>:", domException)`.
    const error = (...args: unknown[]) => {
      const source = typeof args[0] === 'string' ? args[0].replace(/:$/, '') : '';
      for (const listener of errorListeners) for (const arg of args.slice(1)) listener(source, arg);
      forward(...args);
    };
    config.error = Object.assign(error, { threadkeep: true as const });
  }
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
    configureSqlite();
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

import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readdir, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ThreadkeepError } from '../core/errors.js';
import type { KeyValueStorage } from '../core/types.js';

/** A KeyValueStorage in one directory of the local file system, owned by one user at a time. */
export interface FileStorage extends KeyValueStorage {
  readonly directory: string;
  /** Takes the directory's lock now (the first get/set/delete/list takes it otherwise). */
  lock(): Promise<void>;
  /** Releases the lock; a later call takes it again. */
  unlock(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
  since: number;
}

const LOCK_FILE = '.lock';
const TEMP_PREFIX = '.tmp-';
const VALUE_PREFIX = 'k';
/** A lock file still empty after this long was left by a process that died while creating it. */
const UNWRITTEN_LOCK_MS = 10_000;
/** Directories locked by this process (real path → token), so a second instance here is refused too. */
const heldHere = new Map<string, { token: string; lockPath: string }>();
let exitHookInstalled = false;

/**
 * Stores each value as a file in `directory` (created if needed). `set` is atomic and durable:
 * it writes a temporary file, fsyncs it, renames it over the key's file and fsyncs the directory.
 * The first operation takes an exclusive lock on the directory (a `.lock` file holding the pid);
 * a second user — another process, or another fileStorage of the same directory in this process —
 * is refused with BACKEND_UNAVAILABLE naming the holder. A lock left by a dead process is taken over.
 */
export function fileStorage(directory: string): FileStorage {
  if (typeof directory !== 'string' || directory === '') {
    throw new ThreadkeepError(
      'INVALID_ARGUMENT',
      `directory ${JSON.stringify(directory)} is invalid: it must be a non-empty path`,
    );
  }
  const lockPath = join(directory, LOCK_FILE);
  const token = randomBytes(12).toString('hex');
  let realDirectory: string | undefined;
  let locking: Promise<void> | undefined;
  let tempCounter = 0;

  const ensureLocked = (): Promise<void> => {
    locking ??= acquire().catch((error: unknown) => {
      locking = undefined;
      throw error;
    });
    return locking;
  };

  const acquire = async (): Promise<void> => {
    await io('creating the directory', directory, () => mkdir(directory, { recursive: true }));
    const real = await io('resolving the directory', directory, () => realpath(directory));
    if (heldHere.has(real)) {
      throw new ThreadkeepError(
        'BACKEND_UNAVAILABLE',
        `directory "${directory}" is already in use by another fileStorage in this process (pid ${process.pid}); close the store that uses it first`,
        { directory, pid: process.pid },
      );
    }
    const mine: Holder = { pid: process.pid, host: hostname(), token, since: Date.now() };
    for (let attempt = 0; ; attempt++) {
      try {
        await writeExclusive(lockPath, JSON.stringify(mine));
        break;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST' || attempt >= 3) throw mapError(error, 'taking the lock', lockPath);
      }
      const holder = await readHolder(lockPath);
      if (holder === 'gone') continue;
      if (holder === 'unwritten' || isAlive(holder)) throw busy(directory, lockPath, holder);
      // Stale: move that very file aside (atomic), so two processes taking over cannot both win.
      const aside = join(directory, `${LOCK_FILE}-stale-${token}`);
      try {
        await rename(lockPath, aside);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        throw mapError(error, 'taking over a stale lock', lockPath);
      }
      const moved = await readHolder(aside);
      await unlink(aside).catch(() => {});
      if (typeof moved === 'object' && moved.token !== holder.token) {
        throw busy(directory, lockPath, moved); // another process took over first; its lock was just moved
      }
    }
    realDirectory = real;
    heldHere.set(real, { token, lockPath });
    installExitHook();
    // Temporary files of writes interrupted by a crash.
    const names = await readdir(directory).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX)) await unlink(join(directory, name)).catch(() => {});
    }
  };

  const pathOf = (key: string): string => {
    if (typeof key !== 'string')
      throw new ThreadkeepError('INVALID_ARGUMENT', `key ${String(key)} is invalid: it must be a string`);
    const name = VALUE_PREFIX + encodeKey(key);
    if (name.length > 250) {
      throw new ThreadkeepError(
        'INVALID_ARGUMENT',
        `key ${JSON.stringify(key.slice(0, 80))} is invalid: its file name would exceed 250 bytes`,
      );
    }
    return join(directory, name);
  };

  return {
    directory,
    lock: ensureLocked,
    async unlock() {
      const pending = locking;
      locking = undefined;
      if (!pending) return;
      await pending.catch(() => {});
      if (realDirectory === undefined) return;
      heldHere.delete(realDirectory);
      realDirectory = undefined;
      const holder = await readHolder(lockPath);
      if (typeof holder === 'object' && holder.token === token) await unlink(lockPath).catch(() => {});
    },
    async get(key) {
      const path = pathOf(key);
      await ensureLocked();
      try {
        const bytes = await readFile(path);
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw mapError(error, 'reading', path);
      }
    },
    async set(key, value) {
      const path = pathOf(key);
      await ensureLocked();
      const temp = join(directory, `${TEMP_PREFIX}${token}-${++tempCounter}`);
      try {
        const handle = await open(temp, 'w');
        try {
          await handle.writeFile(value);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, path);
        await syncDirectory(directory);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw mapError(error, 'writing', path);
      }
    },
    async delete(key) {
      const path = pathOf(key);
      await ensureLocked();
      try {
        await unlink(path);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw mapError(error, 'deleting', path);
      }
    },
    async list(prefix) {
      await ensureLocked();
      const names = await io('listing', directory, () => readdir(directory));
      const keys: string[] = [];
      for (const name of names) {
        if (!name.startsWith(VALUE_PREFIX)) continue;
        const key = decodeKey(name.slice(VALUE_PREFIX.length));
        if (key?.startsWith(prefix)) keys.push(key);
      }
      return keys;
    },
  };
}

/**
 * Key → file name. Letters a-z, digits, '_' and '-' stay; A-Z become '^' + lowercase; every
 * other UTF-8 byte (including '/', '.', '%', '^') becomes '%' + two lowercase hex digits. The
 * result has no upper case at all, so keys differing in case stay distinct on case-insensitive
 * file systems (macOS, Windows), and no name can be '.', '..' or contain a separator.
 */
export function encodeKey(key: string): string {
  let name = '';
  for (const byte of new TextEncoder().encode(key)) {
    const c = String.fromCharCode(byte);
    if (/[a-z0-9_-]/.test(c)) name += c;
    else if (/[A-Z]/.test(c)) name += `^${c.toLowerCase()}`;
    else name += `%${byte.toString(16).padStart(2, '0')}`;
  }
  return name;
}

/** File name → key; undefined for names encodeKey never produces. */
export function decodeKey(name: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (/[a-z0-9_-]/.test(c)) bytes.push(c.charCodeAt(0));
    else if (c === '^' && /[a-z]/.test(name[i + 1] ?? '')) bytes.push(name[++i]!.toUpperCase().charCodeAt(0));
    else if (c === '%' && /^[0-9a-f]{2}$/.test(name.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else return undefined;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}

async function writeExclusive(path: string, content: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readHolder(path: string): Promise<Holder | 'gone' | 'unwritten'> {
  try {
    const text = await readFile(path, 'utf8');
    const holder = JSON.parse(text) as Holder;
    if (Number.isInteger(holder.pid) && typeof holder.token === 'string') return holder;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'gone';
  }
  // Empty or partial: its creator may be writing it right now, or died doing so long ago.
  const info = await stat(path).catch(() => undefined);
  if (!info) return 'gone';
  return Date.now() - info.mtimeMs > UNWRITTEN_LOCK_MS
    ? { pid: 0, host: hostname(), token: `unwritten-${info.mtimeMs}`, since: info.mtimeMs }
    : 'unwritten';
}

function isAlive(holder: Holder): boolean {
  if (holder.pid === 0) return false;
  if (holder.host !== hostname()) return true; // no way to tell from here: assume it lives
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

function busy(directory: string, lockPath: string, holder: Holder | 'unwritten'): ThreadkeepError {
  const who =
    holder === 'unwritten'
      ? 'a process that is taking the lock right now'
      : `process ${holder.pid}${holder.host === hostname() ? '' : ` on host ${holder.host}`} since ${new Date(holder.since).toISOString()}`;
  return new ThreadkeepError(
    'BACKEND_UNAVAILABLE',
    `directory "${directory}" is in use by ${who}; close the store there first, or delete ${lockPath} if that process no longer runs`,
    holder === 'unwritten' ? { directory } : { directory, pid: holder.pid, host: holder.host },
  );
}

let directorySyncWorks = true;

async function syncDirectory(directory: string): Promise<void> {
  if (!directorySyncWorks) return;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a directory; the rename is as durable as it gets there.
    if (['EPERM', 'EISDIR', 'EACCES', 'EINVAL'].includes(errorCode(error) ?? '')) directorySyncWorks = false;
    else throw error;
  } finally {
    await handle?.close();
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A clean exit leaves no lock behind; after a crash the pid check lets the next process in.
  process.on('exit', () => {
    for (const { token, lockPath } of heldHere.values()) {
      try {
        if ((JSON.parse(readFileSync(lockPath, 'utf8')) as Holder).token === token) unlinkSync(lockPath);
      } catch {}
    }
  });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function io<T>(what: string, path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapError(error, what, path);
  }
}

function mapError(error: unknown, what: string, path: string): ThreadkeepError {
  if (error instanceof ThreadkeepError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ThreadkeepError(
      'QUOTA_EXCEEDED',
      `${what} ${path} failed: the disk is full (${message})`,
      { path },
      { cause: error },
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ThreadkeepError(
      'BACKEND_UNAVAILABLE',
      `${what} ${path} failed: no permission (${message})`,
      { path },
      { cause: error },
    );
  }
  return new ThreadkeepError('INTERNAL', `${what} ${path} failed: ${message}`, { path }, { cause: error });
}

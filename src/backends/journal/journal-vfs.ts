import type { Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { BlockFile } from './block-file.js';

/**
 * A synchronous SQLite VFS whose files live in JS memory (modelled on sqlite-wasm's opfs-sahpool
 * VFS). The main database file of each journaled store is a tracked BlockFile attached under a
 * path before the connection opens; everything else SQLite opens (temp databases, statement
 * journals, a rollback journal if someone leaves journal_mode=MEMORY) is an untracked BlockFile
 * that never reaches storage: persistence happens only in JournaledDatabase.commit().
 */

/** A main database file as the VFS sees it. */
export interface MainFile {
  readonly file: BlockFile;
  /** Whether a write transaction must not start now (a commit is being stored or must be undone). */
  writeBlocked(): boolean;
  /** The SQLite lock level the connection holds (SQLITE_LOCK_*). */
  lock: number;
}

export interface JournalVfs {
  readonly name: string;
  /** Serves `main` as the database file named `path` until `detach(path)`. */
  attach(path: string, main: MainFile): void;
  detach(path: string): void;
}

interface Entry {
  file: BlockFile;
  main?: MainFile;
}

interface OpenFile {
  entry: Entry;
  path: string | undefined;
  deleteOnClose: boolean;
  lock: number;
}

const installed = new WeakMap<Sqlite3Static, JournalVfs>();
let anonymous = 0;

/** The journal VFS of this SQLite instance, registered on first use. */
export function journalVfs(sqlite3: Sqlite3Static): JournalVfs {
  let vfs = installed.get(sqlite3);
  if (!vfs) {
    vfs = installJournalVfs(sqlite3);
    installed.set(sqlite3, vfs);
  }
  return vfs;
}

function installJournalVfs(sqlite3: Sqlite3Static): JournalVfs {
  const { capi, wasm } = sqlite3;
  const named = new Map<string, Entry>();
  const open = new Map<number, OpenFile>();
  let lastError: unknown;

  // Returns the I/O error code and keeps the cause for xGetLastError, like opfs-sahpool does.
  const fail = (error: unknown, code: number): number => {
    lastError = error;
    return code;
  };
  const handle = (pFile: number): OpenFile => {
    const file = open.get(Number(pFile));
    if (!file) throw new Error(`the journal VFS has no open file at ${pFile}`);
    return file;
  };

  const ioMethods = {
    xCheckReservedLock(pFile: number, pOut: number): number {
      wasm.poke32(pOut, handle(pFile).lock >= capi.SQLITE_LOCK_RESERVED ? 1 : 0);
      return 0;
    },
    xClose(pFile: number): number {
      const file = open.get(Number(pFile));
      open.delete(Number(pFile));
      if (file?.deleteOnClose && file.path !== undefined && !file.entry.main) named.delete(file.path);
      return 0;
    },
    // Nothing here can be torn by a crash (a crash loses all of memory), so claim what lets SQLite
    // skip needless work, but not ATOMIC/BATCH_ATOMIC, which would change how it journals.
    xDeviceCharacteristics(): number {
      return capi.SQLITE_IOCAP_UNDELETABLE_WHEN_OPEN | capi.SQLITE_IOCAP_POWERSAFE_OVERWRITE;
    },
    xFileControl(): number {
      return capi.SQLITE_NOTFOUND;
    },
    xFileSize(pFile: number, pSize: number): number {
      wasm.poke64(pSize, BigInt(handle(pFile).entry.file.size));
      return 0;
    },
    xLock(pFile: number, level: number): number {
      const file = handle(pFile);
      // A write transaction over a store whose last commit is unsettled would build on pages
      // that may yet be reverted; SQLITE_BUSY makes SQLite report "database is locked" instead.
      if (level >= capi.SQLITE_LOCK_RESERVED && file.entry.main?.writeBlocked()) return capi.SQLITE_BUSY;
      file.lock = Math.max(file.lock, level);
      if (file.entry.main) file.entry.main.lock = file.lock;
      return 0;
    },
    xRead(pFile: number, pDest: number, n: number, offset: number | bigint): number {
      try {
        const dest = wasm.heap8u().subarray(Number(pDest), Number(pDest) + n);
        const got = handle(pFile).entry.file.read(dest, Number(offset));
        if (got < n) {
          // SQLite requires the unread rest to be zero-filled on a short read.
          dest.fill(0, got);
          return capi.SQLITE_IOERR_SHORT_READ;
        }
        return 0;
      } catch (error) {
        return fail(error, capi.SQLITE_IOERR_READ);
      }
    },
    xSectorSize(): number {
      return 4096;
    },
    // Durability is JournaledDatabase.commit()'s job, after SQLite's COMMIT returned.
    xSync(): number {
      return 0;
    },
    xTruncate(pFile: number, size: number | bigint): number {
      try {
        handle(pFile).entry.file.truncate(Number(size));
        return 0;
      } catch (error) {
        return fail(error, capi.SQLITE_IOERR_TRUNCATE);
      }
    },
    xUnlock(pFile: number, level: number): number {
      const file = handle(pFile);
      file.lock = Math.min(file.lock, level);
      if (file.entry.main) file.entry.main.lock = file.lock;
      return 0;
    },
    xWrite(pFile: number, pSrc: number, n: number, offset: number | bigint): number {
      try {
        const src = wasm.heap8u().subarray(Number(pSrc), Number(pSrc) + n);
        handle(pFile).entry.file.write(src, Number(offset));
        return 0;
      } catch (error) {
        return fail(error, capi.SQLITE_IOERR_WRITE);
      }
    },
  };
  const io = new capi.sqlite3_io_methods();
  // The typings call it iVersion; the struct binder names members with a '$'.
  (io as unknown as { $iVersion: number }).$iVersion = 1; // no xShm*: SQLite then refuses WAL, as wanted
  // The typed method signatures use literal result-code unions; ours return plain numbers.
  sqlite3.vfs.installVfs({ io: { struct: io, methods: ioMethods as never } });

  const vfsMethods = {
    xAccess(_pVfs: number, zName: number, _flags: number, pOut: number): number {
      wasm.poke32(pOut, named.has(wasm.cstrToJs(zName) ?? '') ? 1 : 0);
      return 0;
    },
    xCurrentTime(_pVfs: number, pOut: number): number {
      wasm.poke(pOut, 2440587.5 + Date.now() / 864e5, 'double');
      return 0;
    },
    xCurrentTimeInt64(_pVfs: number, pOut: number): number {
      wasm.poke64(pOut, 0xbfc83e532200n + BigInt(Date.now()));
      return 0;
    },
    xDelete(_pVfs: number, zName: number): number {
      const path = wasm.cstrToJs(zName) ?? '';
      if (!named.get(path)?.main) named.delete(path);
      return 0;
    },
    xFullPathname(_pVfs: number, zName: number, nOut: number, pOut: number): number {
      return wasm.cstrncpy(pOut, zName, nOut) < nOut ? 0 : capi.SQLITE_CANTOPEN;
    },
    xGetLastError(_pVfs: number, nOut: number, pOut: number): number {
      const error = lastError;
      lastError = undefined;
      if (error === undefined || nOut <= 0) return 0;
      const message = new TextEncoder().encode(error instanceof Error ? error.message : String(error));
      const n = Math.min(message.length, nOut - 1);
      wasm.heap8u().set(message.subarray(0, n), Number(pOut));
      wasm.poke8(Number(pOut) + n, 0);
      return capi.SQLITE_IOERR;
    },
    xOpen(_pVfs: number, zName: number, pFile: number, flags: number, pOutFlags: number): number {
      try {
        const path = (zName && wasm.peek8(zName) && wasm.cstrToJs(zName)) || undefined;
        let entry = path === undefined ? undefined : named.get(path);
        if (!entry) {
          // A main database must have been attached: creating one here would look durable and not be.
          if (flags & capi.SQLITE_OPEN_MAIN_DB || !(flags & capi.SQLITE_OPEN_CREATE)) {
            return fail(new Error(`no journaled database is attached at ${path}`), capi.SQLITE_CANTOPEN);
          }
          entry = { file: new BlockFile(false) };
        }
        const key = path ?? `temp-${++anonymous}`;
        named.set(key, entry);
        open.set(Number(pFile), {
          entry,
          path: key,
          deleteOnClose: path === undefined || (flags & capi.SQLITE_OPEN_DELETEONCLOSE) !== 0,
          lock: capi.SQLITE_LOCK_NONE,
        });
        const sqliteFile = new capi.sqlite3_file(pFile);
        sqliteFile.$pMethods = io.pointer!;
        sqliteFile.dispose();
        if (pOutFlags) wasm.poke32(pOutFlags, flags);
        return 0;
      } catch (error) {
        return fail(error, capi.SQLITE_CANTOPEN);
      }
    },
    xRandomness(_pVfs: number, nOut: number, pOut: number): number {
      // Through a copy: getRandomValues refuses views of shared memory and takes 64 KiB at most.
      const bytes = new Uint8Array(Math.min(nOut, 65536));
      crypto.getRandomValues(bytes);
      wasm.heap8u().set(bytes, Number(pOut));
      return bytes.length;
    },
    // Only connections of this thread could contend, and sleeping cannot resolve that (forum:3f0794c5d8).
    xSleep(): number {
      return 0;
    },
  };
  let name = 'threadkeep-journal';
  for (let n = 2; capi.sqlite3_vfs_find(name); n++) name = `threadkeep-journal-${n}`;
  const vfs = new capi.sqlite3_vfs();
  vfs.$iVersion = 2;
  vfs.$szOsFile = (capi.sqlite3_file as unknown as { structInfo: { sizeof: number } }).structInfo.sizeof;
  vfs.$mxPathname = 1024;
  sqlite3.vfs.installVfs({ vfs: { struct: vfs, methods: vfsMethods as never, name } });

  return {
    name,
    attach(path, main) {
      if (named.has(path)) throw new Error(`the journal VFS already serves ${path}`);
      named.set(path, { file: main.file, main });
    },
    detach(path) {
      named.delete(path);
    },
  };
}

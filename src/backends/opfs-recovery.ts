/**
 * A damaged OPFS store, for `openStore({ recover: true })`. The pool's files (the database and its
 * WAL) are copied as plain OPFS files into `.threadkeep/<name>/damaged-<time>/`, beside the pool's
 * own `.opaque/` directory, so `deleteStore` removes them with the store. The database is read
 * through the pool as SQLite sees it (WAL included), or from a copy of its main file with page 1
 * rebuilt; the recovered database replaces it through `finishRecoverySwap`.
 */
import type { SAHPoolUtil, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { openImage, withRebuiltPageOne } from '../core/damaged-image.js';
import type { DamagedStore } from '../core/open-engine.js';
import { DB_FILE, finishRecoverySwap, OPFS_ROOT, openPool, RECOVERED_FILE } from './opfs-driver.js';

interface SyncAccess {
  truncate(size: number): void;
  write(data: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

async function writeFile(dir: FileSystemDirectoryHandle, name: string, bytes: Uint8Array): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  // Sync access handles exist only in workers, where this runs; the DOM typings lack them.
  const access = await (
    handle as unknown as { createSyncAccessHandle(): Promise<SyncAccess> }
  ).createSyncAccessHandle();
  try {
    access.truncate(0);
    access.write(bytes, { at: 0 });
    access.flush();
  } finally {
    access.close();
  }
}

export function damagedOpfsStore(sqlite3: Sqlite3Static, name: string): DamagedStore {
  let pool: SAHPoolUtil | undefined;
  const usePool = async (): Promise<SAHPoolUtil> => {
    pool ??= await openPool(sqlite3, name);
    return pool;
  };
  return {
    // SQLite's default page size, as every OPFS store has.
    pageSize: undefined,
    async keepAside(at) {
      const files = await usePool();
      const root = await navigator.storage.getDirectory();
      const store = await (await root.getDirectoryHandle(OPFS_ROOT)).getDirectoryHandle(name);
      const folder = `damaged-${at}`;
      const dir = await store.getDirectoryHandle(folder, { create: true });
      for (const file of files.getFileNames()) {
        await writeFile(dir, file.replace(/^\//, ''), files.exportFile(file));
      }
      return `OPFS directory "${OPFS_ROOT}/${name}/${folder}"`;
    },
    async sources() {
      const files = await usePool();
      return {
        unreadable: [],
        sources: [
          {
            label: 'the database in OPFS',
            open: () => {
              if (!files.getFileNames().includes(DB_FILE)) throw new Error('its file is missing');
              const db = new files.OpfsSAHPoolDb(DB_FILE);
              // As the driver opens it: WASM has no shared memory for a WAL index.
              db.exec('PRAGMA locking_mode = EXCLUSIVE');
              return db;
            },
          },
          {
            // The WAL's frames are not applied here: a clean close leaves none.
            label: 'its main file with page 1 rebuilt',
            open: () => {
              const rebuilt = withRebuiltPageOne(sqlite3, files.exportFile(DB_FILE));
              if (!rebuilt) throw new Error('its pages do not look like a threadkeep store');
              return openImage(sqlite3, rebuilt);
            },
          },
        ],
      };
    },
    async replace(image) {
      const files = await usePool();
      await files.reserveMinimumCapacity(files.getFileCount() + 1);
      // Written whole under its own name first: a tab closed from here on still finds it at the next open.
      files.importDb(RECOVERED_FILE, image);
      finishRecoverySwap(files, image);
    },
    async close() {
      pool?.pauseVfs();
    },
  };
}

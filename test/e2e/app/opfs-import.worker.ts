/**
 * Test-only: puts a database file into a store's OPFS pool under `file` with sqlite-wasm's
 * `importDb`, using the pool name and directory threadkeep's OPFS driver uses, then lets go of
 * the pool's files.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';

self.onmessage = async (event: MessageEvent<{ name: string; bytes: Uint8Array; file: string }>) => {
  try {
    const { name, bytes, file } = event.data;
    const sqlite3 = await sqlite3InitModule();
    const pool = await sqlite3.installOpfsSAHPoolVfs({
      name: `threadkeep-${name}`,
      directory: `.threadkeep/${name}`,
      initialCapacity: 4,
    });
    pool.importDb(file, bytes);
    pool.pauseVfs();
    self.postMessage({ ok: true });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) });
  }
};

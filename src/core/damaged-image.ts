/**
 * A damaged database file as something SQLite can read: an in-memory, read-only copy, and a copy
 * whose page 1 is rebuilt. Page 1 holds the 100-byte header and, in every threadkeep store, the
 * whole schema (it fits in one page), and SQLite can read nothing when either is damaged. Every
 * store is created by the same migrations on an empty file, so its tables' root pages are the
 * same as in a fresh store: page 1 of a fresh store, with the header's size fields set for this
 * file, serves the damaged file's pages again.
 */
import type { Database as OoDatabase, Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { Database } from './database.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

const HEADER_MAGIC = 'SQLite format 3\0';
const TABLE_PAGE_TYPES = new Set([0x05, 0x0d]);
/** Tables whose root pages must look like table b-tree pages for a page size to be believed. */
const PROBED_TABLES = ['sessions', 'events', 'artifacts'];

/** Opens a read-only in-memory copy of `image` (sqlite3_deserialize). */
export function openImage(sqlite3: Sqlite3Static, image: Uint8Array): OoDatabase {
  const copy = image.slice();
  // A WAL-mode header makes a deserialized copy unreadable (it has no WAL); the image is whole.
  if (copy.length >= 20) copy[18] = copy[19] = 1;
  const db = new sqlite3.oo1.DB(':memory:', 'c');
  const pointer = sqlite3.wasm.allocFromTypedArray(copy);
  const { capi } = sqlite3;
  const rc = capi.sqlite3_deserialize(
    db.pointer!,
    'main',
    pointer,
    copy.length,
    copy.length,
    capi.SQLITE_DESERIALIZE_FREEONCLOSE | capi.SQLITE_DESERIALIZE_READONLY,
  );
  if (rc !== 0) {
    sqlite3.wasm.dealloc(pointer);
    db.close();
    throw new Error(`the damaged database could not be loaded into memory (SQLite result ${rc})`);
  }
  return db;
}

/** A fresh store's database file, of `version` and `pageSize`. */
function freshImage(sqlite3: Sqlite3Static, pageSize: number, version: number): Uint8Array {
  const raw = new sqlite3.oo1.DB(':memory:', 'c');
  const db = new Database(sqlite3, raw);
  try {
    db.exec(`PRAGMA page_size = ${pageSize}`);
    db.exec('BEGIN');
    for (const migration of MIGRATIONS) if (migration.version <= version) db.exec(migration.sql);
    db.exec(`PRAGMA user_version = ${version}`);
    db.exec('COMMIT');
    return sqlite3.capi.sqlite3_js_db_export(raw);
  } finally {
    db.close();
  }
}

function rootPages(sqlite3: Sqlite3Static, fresh: Uint8Array): Map<string, number> {
  const db = openImage(sqlite3, fresh);
  try {
    const rows = db.selectArrays("SELECT name, rootpage FROM sqlite_schema WHERE type = 'table'");
    return new Map(rows.map(([name, page]) => [String(name), Number(page)]));
  } finally {
    db.close();
  }
}

function looksLikeStore(image: Uint8Array, pageSize: number, roots: Map<string, number>): boolean {
  if (image.length % pageSize !== 0) return false;
  return PROBED_TABLES.every((table) => {
    const page = roots.get(table);
    if (page === undefined) return false;
    const at = (page - 1) * pageSize;
    return at < image.length && TABLE_PAGE_TYPES.has(image[at]!);
  });
}

function readUint32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset + at, 4).setUint32(0, value);
}

/**
 * A copy of `image` with page 1 taken from a fresh store, or undefined when the file does not
 * look like a threadkeep store under any page size. The page size is the header's when it is
 * believable, else the first that puts table pages where a store's tables start.
 */
export function withRebuiltPageOne(sqlite3: Sqlite3Static, image: Uint8Array): Uint8Array | undefined {
  const headerIntact = new TextDecoder().decode(image.subarray(0, 16)) === HEADER_MAGIC;
  const stated = image.length >= 100 ? (image[16]! << 8) | image[17]! : 0;
  const statedSize = stated === 1 ? 65536 : stated;
  const storedVersion = headerIntact ? readUint32(image, 60) : 0;
  const version = storedVersion >= 1 && storedVersion <= SCHEMA_VERSION ? storedVersion : SCHEMA_VERSION;
  const candidates = [statedSize, 4096, 8192, 16384, 32768, 65536, 1024, 2048, 512].filter(
    (size, i, all) => size >= 512 && (size & (size - 1)) === 0 && all.indexOf(size) === i,
  );
  for (const pageSize of candidates) {
    const fresh = freshImage(sqlite3, pageSize, version);
    // A later schema whose sqlite_schema spills out of page 1 cannot be rebuilt this way.
    if (fresh[100] !== 0x0d) return undefined;
    if (!looksLikeStore(image, pageSize, rootPages(sqlite3, fresh))) continue;
    const pageOne = fresh.slice(0, pageSize);
    const counter = 1;
    pageOne[18] = pageOne[19] = 1;
    writeUint32(pageOne, 24, counter); // file change counter…
    writeUint32(pageOne, 92, counter); // …equal to "version valid for", so the size below is believed
    writeUint32(pageOne, 28, image.length / pageSize);
    // The freelist's pages are lost with the header; a copy that is only read needs none.
    writeUint32(pageOne, 32, 0);
    writeUint32(pageOne, 36, 0);
    const copy = image.slice();
    copy.set(pageOne, 0);
    return copy;
  }
  return undefined;
}

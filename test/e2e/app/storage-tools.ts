/**
 * Test-only access to a store's bytes from the page, beside threadkeep rather than through it:
 * OPFS files under `.threadkeep/<name>/` and the `journal` object store of IndexedDB database
 * `threadkeep-<name>`. Loaded by the corruption and upgrade tests with `import('/storage-tools.ts')`.
 * Bytes cross to the test as base64, file contents to compare as SHA-256 digests.
 */

export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

async function digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function directory(path: string, create = false): Promise<FileSystemDirectoryHandle> {
  let dir = await navigator.storage.getDirectory();
  for (const part of path.split('/').filter(Boolean)) dir = await dir.getDirectoryHandle(part, { create });
  return dir;
}

type Entries = AsyncIterable<[string, FileSystemHandle]>;

/** Every file under `path` (recursively) → its bytes. */
async function filesUnder(path: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
    for await (const [name, handle] of (dir as unknown as { entries(): Entries }).entries()) {
      if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
      else
        out.set(
          prefix + name,
          new Uint8Array(await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer()),
        );
    }
  };
  try {
    await walk(await directory(path), `${path}/`);
  } catch (error) {
    if ((error as { name?: string }).name !== 'NotFoundError') throw error;
  }
  return out;
}

/** The store's OPFS files (pool files and any damaged copies) → SHA-256 of their bytes. */
export async function opfsDigests(name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [path, bytes] of await filesUnder(`.threadkeep/${name}`)) out[path] = await digest(bytes);
  return out;
}

/** The store's OPFS files → their bytes (base64). */
export async function opfsFiles(name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [path, bytes] of await filesUnder(`.threadkeep/${name}`)) out[path] = toBase64(bytes);
  return out;
}

/** Overwrites bytes of an OPFS file at `offset`, keeping the rest. */
export async function opfsWrite(path: string, offset: number, base64: string): Promise<void> {
  const parts = path.split('/');
  const file = await (await directory(parts.slice(0, -1).join('/'))).getFileHandle(parts.at(-1)!);
  const writable = await file.createWritable({ keepExistingData: true });
  await writable.write({
    type: 'write',
    position: offset,
    data: fromBase64(base64) as Uint8Array<ArrayBuffer>,
  });
  await writable.close();
}

export async function opfsExists(name: string): Promise<boolean> {
  return (await filesUnder(`.threadkeep/${name}`)).size > 0;
}

function openIdb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(`threadkeep-${name}`);
    // Creates the object store the way idb-storage.ts does, for loading a fixture into a new database.
    request.onupgradeneeded = () => request.result.createObjectStore('journal');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Every key of the store's IndexedDB journal → its bytes (base64). */
export async function idbEntries(name: string): Promise<Record<string, string>> {
  const db = await openIdb(name);
  try {
    const store = db.transaction('journal', 'readonly').objectStore('journal');
    const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
    const out: Record<string, string> = {};
    keys.forEach((key, i) => {
      out[String(key)] = toBase64(values[i] as Uint8Array);
    });
    return out;
  } finally {
    db.close();
  }
}

/** Every key of the store's IndexedDB journal → SHA-256 of its bytes. */
export async function idbDigests(name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(await idbEntries(name)))
    out[key] = await digest(fromBase64(value));
  return out;
}

/** Writes values (base64) under keys, creating the database if needed; one transaction. */
export async function idbPut(name: string, entries: Record<string, string>): Promise<void> {
  const db = await openIdb(name);
  try {
    const tx = db.transaction('journal', 'readwrite');
    for (const [key, value] of Object.entries(entries)) tx.objectStore('journal').put(fromBase64(value), key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export async function idbExists(name: string): Promise<boolean> {
  return (await indexedDB.databases()).some((d) => d.name === `threadkeep-${name}`);
}

/**
 * Imports a database file into the store's OPFS pool (as pool file `file`) with sqlite-wasm's own
 * `importDb`, in a worker (sync access handles exist only there), as threadkeep's worker will
 * then find it.
 */
export async function opfsImport(name: string, base64: string, file = '/threadkeep.sqlite3'): Promise<void> {
  const worker = new Worker(new URL('./opfs-import.worker.ts', import.meta.url), { type: 'module' });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<{ ok: boolean; error?: string }>) =>
        event.data.ok ? resolve() : reject(new Error(event.data.error));
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage({ name, bytes: fromBase64(base64), file });
    });
  } finally {
    worker.terminate();
  }
}

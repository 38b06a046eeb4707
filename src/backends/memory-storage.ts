import type { KeyValueStorage } from '../core/types.js';

/** A KeyValueStorage with the contents of a Map, plus a view of it for tests. */
export interface MemoryStorage extends KeyValueStorage {
  /** The stored values by key (live; copy before changing). */
  readonly entries: Map<string, Uint8Array>;
}

/**
 * A KeyValueStorage in a Map, for tests and examples: nothing survives the process. Values are
 * copied in and out, so a caller reusing its buffer cannot change what was stored.
 */
export function memoryStorage(): MemoryStorage {
  const entries = new Map<string, Uint8Array>();
  return {
    entries,
    async get(key) {
      return entries.get(key)?.slice();
    },
    async set(key, value) {
      entries.set(key, value.slice());
    },
    async delete(key) {
      entries.delete(key);
    },
    async list(prefix) {
      return [...entries.keys()].filter((key) => key.startsWith(prefix));
    },
  };
}

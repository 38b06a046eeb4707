import type { KeyValueStorage } from '../../core/types.js';
import { crc32 } from './crc32.js';

/**
 * Checksummed values over a KeyValueStorage, split into parts when the storage caps a value's
 * size (Deno KV: 64 KiB). A value is `<key>` (header + first slice) and `<key>/1` … `<key>/n-1`.
 * Part 0 is written last, so a value whose part 0 is missing, or whose bytes don't match the
 * checksum in part 0, was never completely written: it is "torn", not merely absent.
 */

const MAGIC = 0x3156_4b54; // 'TKV1' little-endian
const HEADER_BYTES = 16; // magic, part count, payload length, CRC-32 of the payload

export type ReadOutcome =
  | { status: 'ok'; payload: Uint8Array; parts: number }
  | { status: 'missing' }
  | { status: 'torn'; reason: string };

/** The key of part `n` (n ≥ 1) of the value stored under `key`. */
export function partKey(key: string, n: number): string {
  return `${key}/${n}`;
}

/** Values under one prefix, with the bytes each occupies so `bytes` is known without listing. */
export class ValueStore {
  readonly #storage: KeyValueStorage;
  readonly #prefix: string;
  readonly #maxValueBytes: number;
  /** Every key this store knows to exist (relative to the prefix), with its size in bytes. */
  readonly #sizes = new Map<string, number>();
  #bytes = 0;

  constructor(storage: KeyValueStorage, prefix: string, maxValueBytes: number) {
    this.#storage = storage;
    this.#prefix = prefix;
    this.#maxValueBytes = maxValueBytes;
  }

  /** Bytes of every value this store wrote or read and has not deleted. */
  get bytes(): number {
    return this.#bytes;
  }

  get maxValueBytes(): number {
    return this.#maxValueBytes;
  }

  /** Relative keys under `sub` (e.g. 'j/'); the prefix is stripped. */
  async list(sub: string): Promise<string[]> {
    const keys = await this.#storage.list(this.#prefix + sub);
    return keys.map((key) => key.slice(this.#prefix.length));
  }

  /** How many parts a payload of `length` bytes takes. */
  partCount(length: number): number {
    const first = this.#maxValueBytes - HEADER_BYTES;
    return length <= first ? 1 : 1 + Math.ceil((length - first) / this.#maxValueBytes);
  }

  /** Stores `payload` under `key`; resolves once every part was acknowledged, part 0 last. */
  async write(key: string, payload: Uint8Array): Promise<void> {
    const parts = this.partCount(payload.length);
    const header = new DataView(new ArrayBuffer(HEADER_BYTES));
    header.setUint32(0, MAGIC, true);
    header.setUint32(4, parts, true);
    header.setUint32(8, payload.length, true);
    header.setUint32(12, crc32(payload), true);
    const firstLength = Math.min(payload.length, this.#maxValueBytes - HEADER_BYTES);
    const first = new Uint8Array(HEADER_BYTES + firstLength);
    first.set(new Uint8Array(header.buffer), 0);
    first.set(payload.subarray(0, firstLength), HEADER_BYTES);
    const rest: Array<[string, Uint8Array]> = [];
    for (let n = 1, at = firstLength; n < parts; n++, at += this.#maxValueBytes) {
      rest.push([partKey(key, n), payload.subarray(at, at + this.#maxValueBytes)]);
    }
    // Parts 1.. may land in any order; part 0 carries the checksum over all of them and goes last.
    await Promise.all(rest.map(([k, bytes]) => this.#set(k, bytes)));
    await this.#set(key, first);
  }

  /** Reads and verifies the value under `key`. */
  async read(key: string): Promise<ReadOutcome> {
    const first = await this.#storage.get(this.#prefix + key);
    if (first === undefined) return { status: 'missing' };
    if (first.length < HEADER_BYTES)
      return { status: 'torn', reason: `its header is cut at ${first.length} bytes` };
    const header = new DataView(first.buffer, first.byteOffset, HEADER_BYTES);
    if (header.getUint32(0, true) !== MAGIC)
      return { status: 'torn', reason: 'its header has no valid magic number' };
    const parts = header.getUint32(4, true);
    const length = header.getUint32(8, true);
    const expected = header.getUint32(12, true);
    if (parts < 1 || parts > 1 + length) return { status: 'torn', reason: `its header names ${parts} parts` };
    const rest = await Promise.all(
      Array.from({ length: parts - 1 }, (_, i) => this.#storage.get(this.#prefix + partKey(key, i + 1))),
    );
    const missing = rest.indexOf(undefined);
    if (missing >= 0) return { status: 'torn', reason: `part ${missing + 1} of ${parts} is missing` };
    const payload = new Uint8Array(length);
    let at = first.length - HEADER_BYTES;
    if (at > length) return { status: 'torn', reason: `it holds more than the ${length} bytes it announces` };
    payload.set(first.subarray(HEADER_BYTES), 0);
    for (const part of rest as Uint8Array[]) {
      if (at + part.length > length) return { status: 'torn', reason: `its parts exceed ${length} bytes` };
      payload.set(part, at);
      at += part.length;
    }
    if (at !== length)
      return { status: 'torn', reason: `it holds ${at} of the ${length} bytes it announces` };
    const actual = crc32(payload);
    if (actual !== expected) return { status: 'torn', reason: 'its checksum does not match its bytes' };
    this.#remember(key, first.length);
    for (const [i, part] of rest.entries()) this.#remember(partKey(key, i + 1), part!.length);
    return { status: 'ok', payload, parts };
  }

  /** Deletes the value under `key` and its parts (the parts this store knows, or `parts`). */
  async delete(key: string, parts?: number): Promise<void> {
    const keys = [key];
    const count = parts ?? this.#knownParts(key);
    for (let n = 1; n < count; n++) keys.push(partKey(key, n));
    await this.deleteKeys(keys);
  }

  /** Deletes exactly these relative keys. */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    await Promise.all(
      keys.map(async (key) => {
        await this.#storage.delete(this.#prefix + key);
        this.#forget(key);
      }),
    );
  }

  #knownParts(key: string): number {
    let n = 1;
    while (this.#sizes.has(partKey(key, n))) n++;
    return n;
  }

  async #set(key: string, bytes: Uint8Array): Promise<void> {
    await this.#storage.set(this.#prefix + key, bytes);
    this.#remember(key, bytes.length);
  }

  #remember(key: string, size: number): void {
    this.#bytes += size - (this.#sizes.get(key) ?? 0);
    this.#sizes.set(key, size);
  }

  #forget(key: string): void {
    this.#bytes -= this.#sizes.get(key) ?? 0;
    this.#sizes.delete(key);
  }
}

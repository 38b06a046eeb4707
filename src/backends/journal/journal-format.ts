import { BLOCK_SIZE } from './block-file.js';

/**
 * The byte layouts of the three kinds of payloads a journaled store keeps (each wrapped by
 * ValueStore in a checksummed envelope), and their keys. Numbers are little-endian; sequence
 * numbers and sizes are float64 so they stay exact far beyond 2^32. See docs/journal.md.
 */

export const MANIFEST_KEY = 'm';
export const JOURNAL_DIR = 'j/';
export const CHUNK_DIR = 'c/';
/**
 * Blocks per snapshot chunk when storage takes values of any size: 64 KiB. Compaction rewrites
 * every chunk a folded record touched, so a chunk's size multiplies the cost of scattered small
 * changes; a smaller chunk means more keys to read at open. Kept in the manifest, so it can vary.
 */
const DEFAULT_CHUNK_BLOCKS = 16;
const MAX_CHUNK_BLOCKS = 1024;
const FORMAT_VERSION = 1;
const SEQ_DIGITS = 12;

const MANIFEST_MAGIC = 0x314d_4b54; // 'TKM1'
const RECORD_MAGIC = 0x314a_4b54; // 'TKJ1'
const CHUNK_MAGIC = 0x3143_4b54; // 'TKC1'
const MANIFEST_HEADER = 44;
const RECORD_HEADER = 24;
const CHUNK_HEADER = 12;
/** What ValueStore adds to each value. */
const ENVELOPE_BYTES = 16;

export interface Manifest {
  /** Blocks per chunk snapshot. */
  chunkBlocks: number;
  /** Bumped by every compaction; names the chunk snapshots it wrote. */
  generation: number;
  /** Database size in bytes as of `foldedSeq`. */
  dbSize: number;
  /** The last journal sequence number folded into the chunks. */
  foldedSeq: number;
  /** For each chunk, the generation of its snapshot (0: none). */
  chunkGens: number[];
}

export interface JournalRecord {
  seq: number;
  dbSize: number;
  /** Changed blocks, ascending, with their full new content. */
  blocks: Array<[index: number, data: Uint8Array]>;
}

export interface Chunk {
  index: number;
  /** The chunk's blocks, the first being block `index * chunkBlocks`. */
  blocks: Uint8Array[];
}

/** Thrown by a decoder: the payload passed its checksum yet is not what this format writes. */
export class FormatError extends Error {}

/** Chunk size for a new store: as many blocks as one value holds (Deno KV: 15), at most 16. */
export function chunkBlocksFor(maxValueBytes: number): number {
  const fit = Math.floor((maxValueBytes - ENVELOPE_BYTES - CHUNK_HEADER) / BLOCK_SIZE);
  return Math.max(1, Math.min(DEFAULT_CHUNK_BLOCKS, fit));
}

export function recordKey(seq: number): string {
  return `${JOURNAL_DIR}${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

export function chunkKey(chunk: number, generation: number): string {
  return `${CHUNK_DIR}${chunk}/${generation}`;
}

/** Splits a key under j/ into its record seq and part number (0 for the record's own key). */
export function parseRecordKey(key: string): { seq: number; part: number } | undefined {
  const match = /^j\/(\d{12})(?:\/([1-9]\d*))?$/.exec(key);
  return match ? { seq: Number(match[1]), part: match[2] ? Number(match[2]) : 0 } : undefined;
}

/** Splits a key under c/ into chunk, generation and part number. */
export function parseChunkKey(key: string): { chunk: number; generation: number; part: number } | undefined {
  const match = /^c\/(\d+)\/(\d+)(?:\/([1-9]\d*))?$/.exec(key);
  if (!match) return undefined;
  return { chunk: Number(match[1]), generation: Number(match[2]), part: match[3] ? Number(match[3]) : 0 };
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  const bytes = new Uint8Array(MANIFEST_HEADER + 4 * manifest.chunkGens.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MANIFEST_MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, BLOCK_SIZE, true);
  view.setUint32(12, manifest.chunkBlocks, true);
  view.setUint32(16, manifest.generation, true);
  view.setFloat64(20, manifest.dbSize, true);
  view.setFloat64(28, manifest.foldedSeq, true);
  view.setUint32(36, manifest.chunkGens.length, true);
  // bytes 40..43 reserved
  manifest.chunkGens.forEach((gen, i) => {
    view.setUint32(MANIFEST_HEADER + 4 * i, gen, true);
  });
  return bytes;
}

export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < MANIFEST_HEADER) throw new FormatError(`the manifest is ${bytes.length} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0, true) !== MANIFEST_MAGIC)
    throw new FormatError('the manifest has no valid magic number');
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) throw new FormatError(`the manifest has format version ${version}`);
  const blockSize = view.getUint32(8, true);
  const chunkBlocks = view.getUint32(12, true);
  if (blockSize !== BLOCK_SIZE || chunkBlocks < 1 || chunkBlocks > MAX_CHUNK_BLOCKS) {
    throw new FormatError(`the manifest uses ${blockSize}-byte blocks in chunks of ${chunkBlocks}`);
  }
  const generation = view.getUint32(16, true);
  const dbSize = view.getFloat64(20, true);
  const foldedSeq = view.getFloat64(28, true);
  const count = view.getUint32(36, true);
  if (!isCount(dbSize) || !isCount(foldedSeq) || bytes.length !== MANIFEST_HEADER + 4 * count) {
    throw new FormatError('the manifest header is inconsistent');
  }
  if (count !== Math.ceil(dbSize / (BLOCK_SIZE * chunkBlocks))) {
    throw new FormatError(`the manifest lists ${count} chunks for a ${dbSize}-byte database`);
  }
  const chunkGens = Array.from({ length: count }, (_, i) => view.getUint32(MANIFEST_HEADER + 4 * i, true));
  if (chunkGens.some((gen) => gen > generation))
    throw new FormatError('the manifest names a future generation');
  return { chunkBlocks, generation, dbSize, foldedSeq, chunkGens };
}

export function encodeRecord(record: JournalRecord): Uint8Array {
  const count = record.blocks.length;
  const dataStart = RECORD_HEADER + 4 * count;
  const bytes = new Uint8Array(dataStart + BLOCK_SIZE * count);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, RECORD_MAGIC, true);
  view.setFloat64(4, record.seq, true);
  view.setFloat64(12, record.dbSize, true);
  view.setUint32(20, count, true);
  record.blocks.forEach(([index, data], i) => {
    view.setUint32(RECORD_HEADER + 4 * i, index, true);
    bytes.set(data, dataStart + BLOCK_SIZE * i);
  });
  return bytes;
}

/** Decodes a record; block data are views into `bytes`. */
export function decodeRecord(bytes: Uint8Array): JournalRecord {
  if (bytes.length < RECORD_HEADER) throw new FormatError(`the record is ${bytes.length} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0, true) !== RECORD_MAGIC) throw new FormatError('the record has no valid magic number');
  const seq = view.getFloat64(4, true);
  const dbSize = view.getFloat64(12, true);
  const count = view.getUint32(20, true);
  const dataStart = RECORD_HEADER + 4 * count;
  if (!isCount(seq) || !isCount(dbSize) || bytes.length !== dataStart + BLOCK_SIZE * count) {
    throw new FormatError('the record header is inconsistent');
  }
  const blocks: Array<[number, Uint8Array]> = [];
  for (let i = 0; i < count; i++) {
    const index = view.getUint32(RECORD_HEADER + 4 * i, true);
    const at = dataStart + BLOCK_SIZE * i;
    blocks.push([index, bytes.subarray(at, at + BLOCK_SIZE)]);
  }
  return { seq, dbSize, blocks };
}

export function encodeChunk(chunk: Chunk): Uint8Array {
  const bytes = new Uint8Array(CHUNK_HEADER + BLOCK_SIZE * chunk.blocks.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, CHUNK_MAGIC, true);
  view.setUint32(4, chunk.index, true);
  view.setUint32(8, chunk.blocks.length, true);
  chunk.blocks.forEach((data, i) => {
    bytes.set(data, CHUNK_HEADER + BLOCK_SIZE * i);
  });
  return bytes;
}

/** Decodes a chunk; block data are views into `bytes`. */
export function decodeChunk(bytes: Uint8Array, chunkBlocks: number): Chunk {
  if (bytes.length < CHUNK_HEADER) throw new FormatError(`the chunk is ${bytes.length} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0, true) !== CHUNK_MAGIC) throw new FormatError('the chunk has no valid magic number');
  const index = view.getUint32(4, true);
  const count = view.getUint32(8, true);
  if (count > chunkBlocks || bytes.length !== CHUNK_HEADER + BLOCK_SIZE * count) {
    throw new FormatError('the chunk header is inconsistent');
  }
  const blocks = Array.from({ length: count }, (_, i) =>
    bytes.subarray(CHUNK_HEADER + BLOCK_SIZE * i, CHUNK_HEADER + BLOCK_SIZE * (i + 1)),
  );
  return { index, blocks };
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

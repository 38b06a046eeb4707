import { ThreadkeepError } from '../../core/errors.js';
import { BlockFile, blockCount } from './block-file.js';
import {
  CHUNK_DIR,
  chunkBlocksFor,
  chunkKey,
  decodeChunk,
  decodeManifest,
  decodeRecord,
  encodeManifest,
  FormatError,
  JOURNAL_DIR,
  MANIFEST_KEY,
  type Manifest,
  parseChunkKey,
  parseRecordKey,
  recordKey,
} from './journal-format.js';
import type { ValueStore } from './value-store.js';

/** What compaction needs to know about a journal record not yet folded into the chunks. */
export interface PendingRecord {
  seq: number;
  /** Payload bytes, for the "journal has grown" threshold. */
  bytes: number;
  /** Chunks holding a block the record changed. */
  chunks: Set<number>;
}

export interface RecoveredStore {
  file: BlockFile;
  manifest: Manifest;
  /** Seq of the last durable record (the manifest's foldedSeq when there is none after it). */
  lastSeq: number;
  records: PendingRecord[];
}

/** How many values recovery reads at once: enough to hide latency, few enough for file handles. */
const READ_CONCURRENCY = 16;

/**
 * Rebuilds the database as of the last acknowledged commit: manifest, then its chunks, then
 * the journal records after it, in order. Everything is read and checked before anything is
 * written, so a store that is not a valid journal is rejected with CORRUPT and left untouched;
 * only then are the torn tail record and garbage of interrupted compactions deleted.
 */
export async function recoverStore(values: ValueStore, prefix: string): Promise<RecoveredStore> {
  const corrupt = (reason: string): ThreadkeepError =>
    new ThreadkeepError(
      'CORRUPT',
      `the journaled store under key prefix ${JSON.stringify(prefix)} is not a valid journal: ${reason}; nothing was changed`,
      { prefix },
    );
  const [manifestKeys, journalKeys, chunkKeys] = await Promise.all([
    values.list(MANIFEST_KEY),
    values.list(JOURNAL_DIR),
    values.list(CHUNK_DIR),
  ]);
  if (!manifestKeys.includes(MANIFEST_KEY)) {
    if (journalKeys.length + chunkKeys.length > 0) {
      throw corrupt(
        `its manifest is missing while ${journalKeys.length + chunkKeys.length} other keys exist`,
      );
    }
    const chunkBlocks = chunkBlocksFor(values.maxValueBytes);
    const manifest: Manifest = { chunkBlocks, generation: 0, dbSize: 0, foldedSeq: 0, chunkGens: [] };
    await values.write(MANIFEST_KEY, encodeManifest(manifest));
    return { file: new BlockFile(true), manifest, lastSeq: 0, records: [] };
  }

  const manifestValue = await values.read(MANIFEST_KEY);
  if (manifestValue.status !== 'ok') throw corrupt(`its manifest is unreadable (${describe(manifestValue)})`);
  if (manifestValue.parts !== 1) throw corrupt('its manifest is split into parts');
  const manifest = decodeOrCorrupt(() => decodeManifest(manifestValue.payload), corrupt);

  const file = new BlockFile(true);
  file.loadSize(manifest.dbSize);
  const blocks = blockCount(manifest.dbSize);
  const { chunkBlocks } = manifest;
  await forEachLimited([...manifest.chunkGens.entries()], async ([chunk, generation]) => {
    if (generation === 0) return;
    const value = await values.read(chunkKey(chunk, generation));
    if (value.status !== 'ok') throw corrupt(`chunk ${chunk} generation ${generation} is ${describe(value)}`);
    const decoded = decodeOrCorrupt(() => decodeChunk(value.payload, chunkBlocks), corrupt);
    if (decoded.index !== chunk) throw corrupt(`chunk key ${chunk} holds chunk ${decoded.index}`);
    // A chunk may hold blocks beyond the manifest's size (compaction is fuzzy): the records replay them.
    decoded.blocks.forEach((data, i) => {
      if (chunk * chunkBlocks + i < blocks) file.loadBlock(chunk * chunkBlocks + i, data);
    });
  });

  const recordKeys = new Map<number, string[]>();
  for (const key of journalKeys) {
    const parsed = parseRecordKey(key);
    if (!parsed) throw corrupt(`it holds an unexpected journal key ${JSON.stringify(key)}`);
    recordKeys.set(parsed.seq, [...(recordKeys.get(parsed.seq) ?? []), key]);
  }
  const live = [...recordKeys.keys()].filter((seq) => seq > manifest.foldedSeq).sort((a, b) => a - b);
  const garbage: string[] = [];
  for (const [seq, keys] of recordKeys) if (seq <= manifest.foldedSeq) garbage.push(...keys);

  const outcomes = await mapLimited(live, (seq) => values.read(recordKey(seq)));
  const records: PendingRecord[] = [];
  let lastSeq = manifest.foldedSeq;
  for (const [i, seq] of live.entries()) {
    if (seq !== lastSeq + 1)
      throw corrupt(`journal record ${lastSeq + 1} is missing while record ${seq} exists`);
    const outcome = outcomes[i]!;
    if (outcome.status !== 'ok') {
      // Only the last record can be unacknowledged: commits are stored one after another.
      if (i !== live.length - 1)
        throw corrupt(`journal record ${seq} is ${describe(outcome)} but later records exist`);
      garbage.push(...recordKeys.get(seq)!);
      break;
    }
    const record = decodeOrCorrupt(() => decodeRecord(outcome.payload), corrupt);
    if (record.seq !== seq) throw corrupt(`journal record key ${seq} holds record ${record.seq}`);
    file.loadSize(record.dbSize);
    const chunks = new Set<number>();
    for (const [index, data] of record.blocks) {
      if (index >= blockCount(record.dbSize)) throw corrupt(`journal record ${seq} writes beyond its size`);
      file.loadBlock(index, data);
      chunks.add(Math.floor(index / chunkBlocks));
    }
    records.push({ seq, bytes: outcome.payload.length, chunks });
    garbage.push(...extraParts(recordKeys.get(seq)!, outcome.parts));
    lastSeq = seq;
  }

  const problem = headerProblem(file);
  if (problem) throw corrupt(`the database it holds ${problem}`);

  for (const key of chunkKeys) {
    const parsed = parseChunkKey(key);
    if (!parsed) throw corrupt(`it holds an unexpected chunk key ${JSON.stringify(key)}`);
    // Snapshots the manifest does not name were superseded, or written by an interrupted compaction.
    if (manifest.chunkGens[parsed.chunk] !== parsed.generation) garbage.push(key);
  }
  await values.deleteKeys(garbage);
  return { file, manifest, lastSeq, records };
}

/** Why the bytes in `file` are not an SQLite database, or undefined when its header is sound. */
export function headerProblem(file: BlockFile): string | undefined {
  if (file.size === 0) return undefined;
  if (file.size < 512) return `is ${file.size} bytes long, shorter than any SQLite database`;
  const header = file.block(0);
  const magic = new TextDecoder().decode(header.subarray(0, 16));
  if (magic !== 'SQLite format 3\0') return 'does not start with the SQLite header';
  const raw = (header[16]! << 8) | header[17]!;
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `has an invalid page size ${raw}`;
  if (file.size % pageSize !== 0)
    return `is ${file.size} bytes long, not a multiple of its page size ${pageSize}`;
  return undefined;
}

function extraParts(keys: string[], parts: number): string[] {
  return keys.filter((key) => (parseRecordKey(key)?.part ?? 0) >= parts);
}

function describe(outcome: { status: 'missing' } | { status: 'torn'; reason: string }): string {
  return outcome.status === 'missing' ? 'missing' : `damaged: ${outcome.reason}`;
}

function decodeOrCorrupt<T>(decode: () => T, corrupt: (reason: string) => ThreadkeepError): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof FormatError) throw corrupt(error.message);
    throw error;
  }
}

async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
  return results;
}

async function forEachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  await mapLimited(items, fn);
}

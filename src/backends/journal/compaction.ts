import type { BlockFile } from './block-file.js';
import { blockCount } from './block-file.js';
import {
  chunkKey,
  encodeChunk,
  encodeManifest,
  MANIFEST_KEY,
  type Manifest,
  recordKey,
} from './journal-format.js';
import type { PendingRecord } from './recovery.js';
import type { ValueStore } from './value-store.js';

/** The journal's durable bookkeeping, shared by commit and compaction. */
export interface JournalState {
  readonly values: ValueStore;
  readonly file: BlockFile;
  manifest: Manifest;
  /** The highest generation any compaction used, even one that failed (its keys may exist). */
  lastGeneration: number;
  lastSeq: number;
  records: PendingRecord[];
}

/** Past these, reopening would replay more than it should, so the journal is folded. */
export const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;
export const COMPACT_AFTER_RECORDS = 1000;
const WRITE_CONCURRENCY = 4;

export function journalHasGrown(state: JournalState): boolean {
  if (state.records.length > COMPACT_AFTER_RECORDS) return true;
  let bytes = 0;
  for (const record of state.records) bytes += record.bytes;
  return bytes > COMPACT_AFTER_BYTES;
}

/**
 * Folds every record stored so far into new snapshots of the chunks they touched, switches the
 * manifest to them, then deletes what they superseded. Commits may be stored while this awaits:
 * each chunk is captured synchronously from the last durable state (pre-images of unsettled
 * blocks), at some seq ≥ the manifest's new foldedSeq. Replaying the records after foldedSeq
 * over such "fuzzy" snapshots still yields the right bytes, because records carry whole blocks
 * and every block that comes into existence (see BlockFile).
 */
export async function compactJournal(state: JournalState): Promise<void> {
  const foldedSeq = state.lastSeq;
  const dbSize = state.file.durableSize;
  const folded = state.records.filter((record) => record.seq <= foldedSeq);
  if (folded.length === 0) return;
  const old = state.manifest;
  const { chunkBlocks } = old;
  const chunkCount = Math.ceil(blockCount(dbSize) / chunkBlocks);
  const touched = new Set<number>();
  for (const record of folded) for (const chunk of record.chunks) if (chunk < chunkCount) touched.add(chunk);
  const generation = Math.max(old.generation, state.lastGeneration) + 1;
  state.lastGeneration = generation;
  const chunkGens = Array.from({ length: chunkCount }, (_, i) =>
    touched.has(i) ? generation : (old.chunkGens[i] ?? 0),
  );
  const manifest: Manifest = { chunkBlocks, generation, dbSize, foldedSeq, chunkGens };
  const manifestBytes = encodeManifest(manifest);
  // The manifest switch must be one set: a manifest too big for one value cannot be written safely.
  if (state.values.partCount(manifestBytes.length) !== 1) {
    throw new Error(
      `the manifest for ${chunkCount} chunks needs ${manifestBytes.length} bytes, more than one value of at most ${state.values.maxValueBytes} bytes holds`,
    );
  }

  const pending = [...touched];
  const written: string[] = [];
  try {
    await Promise.all(
      Array.from({ length: Math.min(WRITE_CONCURRENCY, pending.length) }, async () => {
        for (let chunk = pending.shift(); chunk !== undefined; chunk = pending.shift()) {
          const key = chunkKey(chunk, generation);
          written.push(key);
          await state.values.write(key, captureChunk(state.file, chunk, chunkBlocks));
        }
      }),
    );
  } catch (error) {
    // The old manifest still rules; the new snapshots are garbage (the next open would delete them too).
    await Promise.allSettled(written.map((key) => state.values.delete(key)));
    throw error;
  }
  // If this rejects, the new manifest may still have landed: its snapshots must stay, and the
  // next compaction uses a fresh generation so it never overwrites a snapshot a manifest names.
  await state.values.write(MANIFEST_KEY, manifestBytes);
  state.manifest = manifest;
  state.records = state.records.filter((record) => record.seq > foldedSeq);

  const superseded: string[] = [];
  old.chunkGens.forEach((gen, chunk) => {
    if (gen !== 0 && (chunk >= chunkCount || touched.has(chunk))) superseded.push(chunkKey(chunk, gen));
  });
  for (const record of folded) superseded.push(recordKey(record.seq));
  // A crash while deleting leaves keys the next open recognises as superseded and deletes.
  await Promise.all(superseded.map((key) => state.values.delete(key)));
}

/** The chunk's blocks as of the last durable point, copied into a snapshot payload. */
function captureChunk(file: BlockFile, chunk: number, chunkBlocks: number): Uint8Array {
  const first = chunk * chunkBlocks;
  const end = Math.min(first + chunkBlocks, blockCount(file.durableSize));
  const blocks: Uint8Array[] = [];
  for (let index = first; index < end; index++) blocks.push(file.durableBlock(index)!);
  return encodeChunk({ index: chunk, blocks });
}

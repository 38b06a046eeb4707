/**
 * The journal's part of recovering a damaged store (`openStore({ recover: true })`):
 *
 * - `readDamagedJournal` rebuilds the database the way recovery at open does, but never gives up
 *   and never writes: a damaged or missing chunk leaves its blocks at what older values held (or
 *   zeros), a damaged record is skipped and the records after it still replay. SQLite then reads
 *   what it can of the result.
 * - `copyJournalAside` copies every value of the store, byte for byte, under `damaged-<time>/`
 *   inside the store's prefix: a journal of its own that `deleteStore` removes with the store.
 * - `replaceJournal` makes a database image the store's content with compaction's atomic switch:
 *   new chunk snapshots under a generation no key uses yet, then ONE manifest `set` that names
 *   them and folds every existing record. A crash before that `set` leaves the damaged store as it
 *   was (the next open deletes the unnamed snapshots); after it, the recovered one.
 */
import { BLOCK_SIZE, BlockFile } from './block-file.js';
import {
  CHUNK_DIR,
  chunkBlocksFor,
  chunkKey,
  decodeChunk,
  decodeManifest,
  decodeRecord,
  encodeChunk,
  encodeManifest,
  JOURNAL_DIR,
  MANIFEST_KEY,
  type Manifest,
  parseChunkKey,
  parseRecordKey,
  recordKey,
} from './journal-format.js';
import type { ValueStore } from './value-store.js';

/** Where copies of damaged stores go, under the store's own prefix (the journal never lists it). */
export const DAMAGED_DIR = 'damaged-';
/** Largest chunk a manifest may name (journal-format.ts); a guess needs a bound when the manifest is lost. */
const MAX_CHUNK_BLOCKS = 1024;
const COPY_CONCURRENCY = 16;

function problemOf(outcome: { status: 'missing' } | { status: 'torn'; reason: string }): string {
  return outcome.status === 'missing' ? 'missing' : `damaged (${outcome.reason})`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Listing {
  manifest: string[];
  records: Map<number, string[]>;
  chunks: Map<number, number[]>;
  /** Every key of the store (relative to the prefix), parts included. */
  all: string[];
}

async function listJournal(values: ValueStore): Promise<Listing> {
  const [manifest, journal, chunkKeys] = await Promise.all([
    values.list(MANIFEST_KEY),
    values.list(JOURNAL_DIR),
    values.list(CHUNK_DIR),
  ]);
  const records = new Map<number, string[]>();
  for (const key of journal) {
    const parsed = parseRecordKey(key);
    if (parsed) records.set(parsed.seq, [...(records.get(parsed.seq) ?? []), key]);
  }
  const chunks = new Map<number, number[]>();
  for (const key of chunkKeys) {
    const parsed = parseChunkKey(key);
    if (parsed && parsed.part === 0)
      chunks.set(parsed.chunk, [...(chunks.get(parsed.chunk) ?? []), parsed.generation]);
  }
  return {
    manifest: manifest.filter((key) => key === MANIFEST_KEY),
    records,
    chunks,
    all: [...manifest.filter((key) => key === MANIFEST_KEY), ...journal, ...chunkKeys],
  };
}

async function readManifest(values: ValueStore, listing: Listing): Promise<Manifest | string> {
  if (listing.manifest.length === 0) return 'the manifest is missing';
  const value = await values.read(MANIFEST_KEY);
  if (value.status !== 'ok') return `the manifest is ${problemOf(value)}`;
  try {
    return decodeManifest(value.payload);
  } catch (error) {
    return `the manifest is damaged (${message(error)})`;
  }
}

/**
 * The database image the journal still holds, best effort, and a sentence for each value that
 * could not be used. Reads only.
 */
export async function readDamagedJournal(
  values: ValueStore,
): Promise<{ image: Uint8Array; problems: string[] }> {
  const problems: string[] = [];
  const listing = await listJournal(values);
  const manifest = await readManifest(values, listing);
  let chunkGens: Map<number, number>;
  let chunkBlocks: number | undefined;
  let foldedSeq = 0;
  let size = 0;
  if (typeof manifest === 'string') {
    // Without a manifest: the newest snapshot of each chunk, then every record in order.
    problems.push(`${manifest}: the newest snapshot of each chunk and every journal record were used`);
    chunkGens = new Map([...listing.chunks].map(([chunk, gens]) => [chunk, Math.max(...gens)]));
  } else {
    chunkGens = new Map(manifest.chunkGens.map((gen, chunk) => [chunk, gen] as [number, number]));
    chunkBlocks = manifest.chunkBlocks;
    foldedSeq = manifest.foldedSeq;
    size = manifest.dbSize;
  }

  const file = new BlockFile(false);
  const loaded: Array<{ chunk: number; blocks: Uint8Array[] }> = [];
  for (const [chunk, generation] of chunkGens) {
    if (generation === 0) continue;
    const value = await values.read(chunkKey(chunk, generation));
    if (value.status !== 'ok') {
      problems.push(`chunk ${chunk} generation ${generation} is ${problemOf(value)}`);
      continue;
    }
    try {
      const decoded = decodeChunk(value.payload, chunkBlocks ?? MAX_CHUNK_BLOCKS);
      if (decoded.index !== chunk) throw new Error(`it holds chunk ${decoded.index}`);
      loaded.push({ chunk, blocks: decoded.blocks });
    } catch (error) {
      problems.push(`chunk ${chunk} generation ${generation} is damaged (${message(error)})`);
    }
  }
  // Full chunks all hold chunkBlocks blocks: the largest tells it when the manifest cannot.
  const perChunk = chunkBlocks ?? Math.max(1, ...loaded.map((c) => c.blocks.length));
  if (typeof manifest === 'string')
    size = Math.max(0, ...loaded.map((c) => (c.chunk * perChunk + c.blocks.length) * BLOCK_SIZE));
  file.loadSize(size);
  for (const { chunk, blocks } of loaded) {
    blocks.forEach((data, i) => {
      const index = chunk * perChunk + i;
      if (index * BLOCK_SIZE < size) file.loadBlock(index, data);
    });
  }

  const seqs = [...listing.records.keys()].filter((seq) => seq > foldedSeq).sort((a, b) => a - b);
  for (const seq of seqs) {
    const value = await values.read(recordKey(seq));
    if (value.status !== 'ok') {
      problems.push(`journal record ${seq} is ${problemOf(value)}: its changes were skipped`);
      continue;
    }
    try {
      const record = decodeRecord(value.payload);
      if (record.seq !== seq) throw new Error(`it holds record ${record.seq}`);
      file.loadSize(record.dbSize);
      for (const [index, data] of record.blocks) {
        if (index * BLOCK_SIZE < record.dbSize) file.loadBlock(index, data);
      }
    } catch (error) {
      problems.push(`journal record ${seq} is damaged (${message(error)}): its changes were skipped`);
    }
  }
  const image = new Uint8Array(file.size);
  file.read(image, 0);
  return { image, problems };
}

/** Copies every value of the store under `damaged-<at>/`; returns that relative prefix. */
export async function copyJournalAside(
  values: ValueStore,
  raw: {
    get(key: string): Promise<Uint8Array | undefined>;
    set(key: string, value: Uint8Array): Promise<void>;
  },
  prefix: string,
  at: number,
): Promise<string> {
  const aside = `${DAMAGED_DIR}${at}/`;
  const { all } = await listJournal(values);
  let next = 0;
  const copy = async (): Promise<void> => {
    while (next < all.length) {
      const key = all[next++]!;
      const bytes = await raw.get(prefix + key);
      if (bytes !== undefined) await raw.set(prefix + aside + key, bytes);
    }
  };
  // Several at once: a file system's per-value fsyncs would otherwise add up to seconds.
  await Promise.all(Array.from({ length: COPY_CONCURRENCY }, copy));
  return aside;
}

/** Makes `image` the store's database; see the file comment for why a crash cannot mix the two. */
export async function replaceJournal(values: ValueStore, image: Uint8Array): Promise<void> {
  if (image.length % BLOCK_SIZE !== 0)
    throw new Error(`a ${image.length}-byte image is not a whole number of ${BLOCK_SIZE}-byte blocks`);
  const listing = await listJournal(values);
  const manifest = await readManifest(values, listing);
  let generation = typeof manifest === 'string' ? 0 : manifest.generation;
  for (const gens of listing.chunks.values()) generation = Math.max(generation, ...gens);
  let foldedSeq = typeof manifest === 'string' ? 0 : manifest.foldedSeq;
  for (const seq of listing.records.keys()) foldedSeq = Math.max(foldedSeq, seq);
  const next = generation + 1;
  const chunkBlocks = chunkBlocksFor(values.maxValueBytes);
  const blocks = image.length / BLOCK_SIZE;
  const chunks = Math.ceil(blocks / chunkBlocks);
  for (let chunk = 0; chunk < chunks; chunk++) {
    const first = chunk * chunkBlocks;
    const count = Math.min(chunkBlocks, blocks - first);
    const data = Array.from({ length: count }, (_, i) =>
      image.subarray((first + i) * BLOCK_SIZE, (first + i + 1) * BLOCK_SIZE),
    );
    await values.write(chunkKey(chunk, next), encodeChunk({ index: chunk, blocks: data }));
  }
  await values.write(
    MANIFEST_KEY,
    encodeManifest({
      chunkBlocks,
      generation: next,
      dbSize: image.length,
      foldedSeq,
      chunkGens: Array.from({ length: chunks }, () => next),
    }),
  );
  // Every value listed before the switch is garbage now (`next` was no key's generation); the
  // next open would delete them too, so a failure here is harmless.
  await values.deleteKeys(listing.all.filter((key) => key !== MANIFEST_KEY)).catch(() => {});
}

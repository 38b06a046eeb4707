import { ByteSink } from './byteSink.js';
import type { ChunkSource } from './drilldown.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Finds where records end in a stream of chunks. Boundaries are found on bytes, never on decoded
 * text: UTF-8 never has 0x0A or 0x22 inside a multi-byte character, so a chunk may be cut
 * anywhere, even inside a character.
 */
export interface RecordBoundaries {
  /** Called before `next` is asked about a new chunk; `offset` is its first byte's place in the file. */
  beginChunk(chunk: Uint8Array, offset: number): void;
  /** Index of the 0x0A at or after `from` that ends the current record, or -1 if the chunk has none. */
  next(from: number): number;
}

/** Every 0x0A ends a record: plain lines (text, JSONL, TSV, and CSV when asked for lines). */
export function lineBoundaries(): RecordBoundaries {
  let chunk: Uint8Array = new Uint8Array(0);
  return {
    beginChunk(next) {
      chunk = next;
    },
    next: (from) => chunk.indexOf(LF, from),
  };
}

// Where the CSV scanner stands: a quote opens a quoted field only at the start of a field.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // just saw '"' inside quotes: either '""' (an escaped quote) or the closing quote

/**
 * RFC 4180 records: a 0x0A inside a double-quoted field belongs to the field, `""` is an escaped
 * quote. A quote in the middle of an unquoted field is kept as data (as most CSV readers do), so
 * one stray quote does not swallow the rest of the file.
 */
export function csvBoundaries(delimiter: number): RecordBoundaries {
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkOffset = 0;
  let state = FIELD_START;
  // Excel puts a byte-order mark before the first field; a quote right after it still opens a field.
  const fileStart = new Uint8Array(3);
  let bom = false;
  const stateAfter = (pos: number): number =>
    chunk[pos] === delimiter || (bom && chunkOffset + pos === 2) ? FIELD_START : UNQUOTED;
  // Positions of the next '"' and 0x0A at or after the last search, -1 when the chunk has no
  // more. Searching again only once passed keeps the scan linear even for one huge line full of
  // quoted fields, and quote-free stretches are skipped by the native indexOf.
  let quoteAt = -1;
  let lfAt = -1;
  const nextQuote = (from: number): number => {
    if (quoteAt !== -1 && quoteAt < from) quoteAt = chunk.indexOf(QUOTE, from);
    return quoteAt;
  };
  const nextLf = (from: number): number => {
    if (lfAt !== -1 && lfAt < from) lfAt = chunk.indexOf(LF, from);
    return lfAt;
  };
  return {
    beginChunk(next, offset) {
      chunk = next;
      chunkOffset = offset;
      for (let i = 0; offset + i < 3 && i < next.length; i++) fileStart[offset + i] = next[i]!;
      bom = fileStart[0] === 0xef && fileStart[1] === 0xbb && fileStart[2] === 0xbf;
      quoteAt = chunk.indexOf(QUOTE);
      lfAt = chunk.indexOf(LF);
    },
    next(from) {
      let i = from;
      while (i < chunk.length) {
        if (state === QUOTED) {
          const q = nextQuote(i);
          if (q === -1) return -1;
          state = QUOTE_IN_QUOTED;
          i = q + 1;
        } else if (state === QUOTE_IN_QUOTED) {
          const byte = chunk[i]!;
          if (byte === LF) {
            state = FIELD_START;
            return i;
          }
          state = byte === QUOTE ? QUOTED : byte === delimiter ? FIELD_START : UNQUOTED;
          i++;
        } else {
          const lf = nextLf(i);
          const q = nextQuote(i);
          if (q === -1 || (lf !== -1 && lf < q)) {
            // No quote before the record ends (or the chunk does): nothing in between matters.
            if (lf !== -1) {
              state = FIELD_START;
              return lf;
            }
            state = stateAfter(chunk.length - 1);
            return -1;
          }
          // Between i and the quote there is no 0x0A, so only the byte before the quote decides
          // whether the quote starts a field.
          if (q > i) state = stateAfter(q - 1);
          state = state === FIELD_START ? QUOTED : UNQUOTED;
          i = q + 1;
        }
      }
      return -1;
    },
  };
}

/** Record numbers to keep: [start, end), end exclusive, in increasing order, not overlapping. */
export type RecordRanges = ReadonlyArray<readonly [start: number, end: number]>;

/**
 * The records of `source` numbered in `ranges`, joined by '\n'. A '\r' before a record's
 * terminating '\n' is dropped; a '\n' at the very end does not start another record. Reads
 * chunks in order and stops at the chunk that completes the last wanted record; only the kept
 * bytes are copied and decoded.
 */
export function selectRecords(
  source: ChunkSource,
  boundaries: RecordBoundaries,
  ranges: RecordRanges,
): string {
  // Empty ranges need no reading at all, not even to find where they would start.
  const wanted = ranges.filter(([start, end]) => end > start);
  const last = wanted.at(-1)?.[1] ?? 0;
  const out = new ByteSink();
  let record = 0;
  let recordStart = 0; // where the current record's bytes begin in `out`
  let recordHasBytes = false;
  let done = last === 0;
  let offset = 0;

  // Whether the current record is kept, and the record at which that next changes: a million
  // skipped lines then cost one comparison each, not a search through the ranges.
  let keep = false;
  let switchAt = 0;
  let rangeIndex = 0;
  const enterRecord = (): void => {
    recordStart = out.length;
    recordHasBytes = false;
    if (record !== switchAt) return;
    while (rangeIndex < wanted.length && wanted[rangeIndex]![1] <= record) rangeIndex++;
    const range = wanted[rangeIndex];
    keep = range !== undefined && record >= range[0];
    switchAt = range === undefined ? Number.POSITIVE_INFINITY : keep ? range[1] : range[0];
  };
  enterRecord();

  for (let c = 0; c < source.chunkCount && !done; c++) {
    const chunk = source.readChunk(c);
    boundaries.beginChunk(chunk, offset);
    offset += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      const lf = boundaries.next(pos);
      const end = lf === -1 ? chunk.length : lf;
      if (end > pos) {
        recordHasBytes = true;
        if (keep) out.push(chunk.subarray(pos, end));
      }
      if (lf === -1) break;
      if (keep) {
        if (out.length > recordStart && out.at(out.length - 1) === CR) out.length--;
        out.pushByte(LF);
      }
      record++;
      if (record >= last) {
        done = true;
        break;
      }
      enterRecord();
      pos = lf + 1;
    }
  }
  // The file's last record, when it does not end in '\n': no '\r' is dropped, as none precedes a '\n'.
  if (!done && keep && recordHasBytes) out.pushByte(LF);
  if (out.length > 0) out.length--; // the '\n' after the last kept record

  // A byte-order mark is only one at the start of the file; further in it is U+FEFF text.
  return new TextDecoder('utf-8', { ignoreBOM: wanted[0]?.[0] !== 0 }).decode(out.view());
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { bytesChunkSource } from '../../src/core/artifacts/bytesChunkSource.js';
import { type ArtifactFormat, type ChunkSource, drilldown } from '../../src/core/artifacts/drilldown.js';

const CHUNK = 256 * 1024;

/** A ChunkSource that records which chunks were read. */
function counting(bytes: Uint8Array, chunkSize: number): ChunkSource & { reads: number[] } {
  const inner = bytesChunkSource(bytes, chunkSize);
  const reads: number[] = [];
  return {
    size: inner.size,
    chunkCount: inner.chunkCount,
    reads,
    readChunk(index) {
      reads.push(index);
      return inner.readChunk(index);
    },
  };
}

// 20 MB of CSV: a header, then rows "r0000000,ü-value-0000000", all of the same byte length.
const row = (i: number) => `r${String(i).padStart(7, '0')},ü-value-${String(i).padStart(7, '0')}`;
const ROW_BYTES = new TextEncoder().encode(row(0)).length + 1;
const ROWS = Math.ceil((20 * 1024 * 1024) / ROW_BYTES);
const HEADER = 'id,value';
const big = (() => {
  const parts = [HEADER];
  for (let i = 0; i < ROWS; i++) parts.push(row(i));
  return new TextEncoder().encode(`${parts.join('\n')}\n`);
})();
const lineEnd = (line: number) => HEADER.length + 1 + line * ROW_BYTES; // offset just past line `line`'s LF (line 0 is the header)

function run(selector: unknown, format: ArtifactFormat = 'csv') {
  const source = counting(big, CHUNK);
  return { text: drilldown(source, selector, format, 'big'), reads: source.reads };
}

describe('drilldown on a 20 MB artifact', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is 20 MB in 81 chunks', () => {
    expect(big.length).toBe(lineEnd(ROWS));
    expect(big.length).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    expect(Math.ceil(big.length / CHUNK)).toBe(81);
  });

  it('reads only the first chunk for head', () => {
    const { text, reads } = run({ head: 3 });
    expect(text).toBe(`${HEADER}\n${row(0)}\n${row(1)}`);
    expect(reads).toEqual([0]);
  });

  it('reads no chunk for head 0 or an empty range', () => {
    expect(run({ head: 0 }).reads).toEqual([]);
    expect(run({ lines: [5000, 5000] }).reads).toEqual([]);
  });

  it('reads chunks only up to the one that ends the last wanted line', () => {
    const start = 500_000;
    const { text, reads } = run({ lines: [start, start + 3] });
    expect(text).toBe([row(start - 1), row(start), row(start + 1)].join('\n'));
    const lastChunk = Math.floor((lineEnd(start + 2) - 1) / CHUNK);
    expect(reads).toEqual(Array.from({ length: lastChunk + 1 }, (_, i) => i));
  });

  it('reads CSV rows up to the chunk that ends the last wanted row', () => {
    const { text, reads } = run({ rows: [300_000, 300_002] });
    expect(text).toBe([HEADER, row(300_000), row(300_001)].join('\n'));
    expect(reads.length).toBe(Math.floor((lineEnd(300_002) - 1) / CHUNK) + 1);
  });

  it('reads every chunk once when the range runs past the end, and returns the tail', () => {
    const { text, reads } = run({ lines: [ROWS, ROWS + 10] });
    expect(text).toBe(row(ROWS - 1));
    expect(reads).toEqual(Array.from({ length: 81 }, (_, i) => i));
  });

  it('decodes only the bytes it returns', () => {
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    const { text } = run({ lines: [400_000, 400_010] });
    const decoded = decode.mock.calls.reduce(
      (sum, [input]) => sum + ((input as Uint8Array | undefined)?.byteLength ?? 0),
      0,
    );
    expect(decoded).toBe(new TextEncoder().encode(text).length);
  });
});

describe('drilldown stops at the chunk that completes the selection', () => {
  it('does not read on when the last wanted LF is the last byte of a chunk', () => {
    const source = counting(new TextEncoder().encode('abcdefg\nhijklmn\nopq'), 8);
    expect(drilldown(source, { head: 1 }, 'text', 'h')).toBe('abcdefg');
    expect(source.reads).toEqual([0]);
  });

  it('reads the next chunk when a line is cut in the middle of a character', () => {
    const source = counting(new TextEncoder().encode('abcdef😀\nxyz'), 8);
    expect(drilldown(source, { head: 1 }, 'text', 'h')).toBe('abcdef😀');
    expect(source.reads).toEqual([0, 1]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesChunkSource } from '../../src/core/artifacts/bytesChunkSource.js';
import { drilldown } from '../../src/core/artifacts/drilldown.js';

// The naive answers: decode everything, then split. drilldown must agree while never doing so.
function naiveLines(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  const endsWithLf = text.endsWith('\n');
  const parts = text.split('\n');
  if (endsWithLf || text === '') parts.pop();
  // Only a CR that a LF follows belongs to the line end.
  return parts.map((line, i) =>
    (i < parts.length - 1 || endsWithLf) && line.endsWith('\r') ? line.slice(0, -1) : line,
  );
}

// RFC 4180 records read one character at a time, with the same leniency drilldown promises:
// a quote opens a quoted field only at a field's start.
function naiveCsvRecords(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  const records: string[] = [];
  let record = '';
  let state: 'start' | 'unquoted' | 'quoted' | 'quote' = 'start';
  for (const ch of text) {
    if (state === 'quoted') {
      if (ch === '"') state = 'quote';
    } else if (ch === '\n') {
      records.push(record.endsWith('\r') ? record.slice(0, -1) : record);
      record = '';
      state = 'start';
      continue;
    } else if (state === 'quote') {
      state = ch === '"' ? 'quoted' : ch === ',' ? 'start' : 'unquoted';
    } else if (ch === ',') {
      state = 'start';
    } else if (state === 'start') {
      state = ch === '"' ? 'quoted' : 'unquoted';
    }
    record += ch;
  }
  if (record !== '') records.push(record);
  return records;
}

const utf8 = new TextEncoder();
// Characters that meet every edge: line ends, multi-byte UTF-8 of 2, 3 and 4 bytes, a BOM, quotes.
const textArb = fc
  .array(fc.constantFrom('a', 'b', '\n', '\n', '\r', 'é', '日', '😀', '\uFEFF', ',', '"'), { maxLength: 80 })
  .map((chars) => utf8.encode(chars.join('')));
// Arbitrary bytes, weighted toward line ends and pieces of multi-byte sequences; not all valid UTF-8.
const bytesArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(0x0a, 0x0d, 0xef, 0xbb, 0xbf, 0xe6, 0x97, 0x22),
      fc.integer({ min: 0, max: 255 }),
    ),
    {
      maxLength: 80,
    },
  )
  .map((bytes) => Uint8Array.from(bytes));
const contentArb = fc.oneof(textArb, bytesArb);
const chunkSizeArb = fc.integer({ min: 1, max: 40 });
const rangeArb = fc.tuple(fc.nat(30), fc.nat(30)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

describe('drilldown agrees with splitting the decoded text', () => {
  it('for head', () => {
    fc.assert(
      fc.property(contentArb, chunkSizeArb, fc.nat(30), (bytes, chunkSize, n) => {
        const got = drilldown(bytesChunkSource(bytes, chunkSize), { head: n }, 'text', 'p');
        expect(got).toBe(naiveLines(bytes).slice(0, n).join('\n'));
      }),
      { numRuns: 2000 },
    );
  });

  it('for lines', () => {
    fc.assert(
      fc.property(contentArb, chunkSizeArb, rangeArb, (bytes, chunkSize, [start, end]) => {
        const got = drilldown(bytesChunkSource(bytes, chunkSize), { lines: [start, end] }, 'text', 'p');
        expect(got).toBe(naiveLines(bytes).slice(start, end).join('\n'));
      }),
      { numRuns: 2000 },
    );
  });

  it('for JSONL rows', () => {
    fc.assert(
      fc.property(contentArb, chunkSizeArb, rangeArb, (bytes, chunkSize, [start, end]) => {
        const got = drilldown(bytesChunkSource(bytes, chunkSize), { rows: [start, end] }, 'jsonl', 'p');
        expect(got).toBe(naiveLines(bytes).slice(start, end).join('\n'));
      }),
      { numRuns: 500 },
    );
  });

  it('for CSV rows, whatever the quotes', () => {
    fc.assert(
      fc.property(contentArb, chunkSizeArb, rangeArb, (bytes, chunkSize, [start, end]) => {
        const records = naiveCsvRecords(bytes);
        const expected = [...records.slice(0, 1), ...records.slice(start + 1, end + 1)].join('\n');
        const got = drilldown(bytesChunkSource(bytes, chunkSize), { rows: [start, end] }, 'csv', 'p');
        expect(got).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

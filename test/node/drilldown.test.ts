import { describe, expect, it } from 'vitest';
import { bytesChunkSource } from '../../src/core/artifacts/bytesChunkSource.js';
import { type ArtifactFormat, artifactFormat, drilldown } from '../../src/core/artifacts/drilldown.js';
import { ThreadkeepError } from '../../src/core/errors.js';

const utf8 = new TextEncoder();
// 1 and 2 cut every multi-byte character; 7 cuts lines and characters at odd places.
const CHUNK_SIZES = [1, 2, 3, 7, 64, 256 * 1024];

function select(
  data: string | Uint8Array,
  selector: unknown,
  format: ArtifactFormat,
  chunkSize: number,
): string {
  const bytes = typeof data === 'string' ? utf8.encode(data) : data;
  return drilldown(bytesChunkSource(bytes, chunkSize), selector, format, 'h1');
}

function rejection(run: () => unknown): ThreadkeepError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ThreadkeepError);
    expect((error as ThreadkeepError).code).toBe('INVALID_ARGUMENT');
    return error as ThreadkeepError;
  }
  throw new Error('expected a rejection');
}

describe.each(CHUNK_SIZES)('drilldown lines and head, chunks of %i bytes', (size) => {
  const at = (data: string | Uint8Array, selector: unknown, format: ArtifactFormat = 'text') =>
    select(data, selector, format, size);

  it('takes the first n lines without a final newline', () => {
    expect(at('a\nbb\nccc\n', { head: 2 })).toBe('a\nbb');
    expect(at('a\nbb\nccc\n', { head: 0 })).toBe('');
    expect(at('a\nbb\nccc\n', { head: 3 })).toBe('a\nbb\nccc');
    expect(at('a\nbb\nccc\n', { head: 1000 })).toBe('a\nbb\nccc');
    expect(at('a\nbb\nccc', { head: 1000 })).toBe('a\nbb\nccc');
  });

  it('takes a 0-based, end-exclusive range of lines, clipped at the end', () => {
    expect(at('l0\nl1\nl2\nl3\n', { lines: [1, 3] })).toBe('l1\nl2');
    expect(at('l0\nl1\nl2\nl3\n', { lines: [3, 4] })).toBe('l3');
    expect(at('l0\nl1\nl2\nl3\n', { lines: [3, 99] })).toBe('l3');
    expect(at('l0\nl1\nl2\nl3\n', { lines: [4, 99] })).toBe('');
    expect(at('l0\nl1\nl2\nl3\n', { lines: [2, 2] })).toBe('');
    expect(at('l0\nl1', { lines: [1, 2] })).toBe('l1');
  });

  it('keeps empty lines, and a final newline does not add one', () => {
    expect(at('a\n\n\nb\n', { head: 10 })).toBe('a\n\n\nb');
    expect(at('a\n\n\nb\n', { lines: [1, 3] })).toBe('\n');
    expect(at('a\n\n', { lines: [1, 5] })).toBe('');
    expect(at('a\n\nx', { lines: [1, 5] })).toBe('\nx');
    expect(at('\n', { head: 5 })).toBe('');
    expect(at('', { head: 5 })).toBe('');
    expect(at('', { lines: [0, 1] })).toBe('');
  });

  it('drops the CR of CRLF line ends and keeps any other CR', () => {
    expect(at('a\r\nb\r\nc\r\n', { head: 5 })).toBe('a\nb\nc');
    expect(at('a\r\nb\r\nc', { lines: [1, 3] })).toBe('b\nc');
    expect(at('a\rb\r\n\r\n', { head: 5 })).toBe('a\rb\n');
    expect(at('x\r\r\ny\r', { head: 5 })).toBe('x\r\ny\r');
  });

  it('cuts chunks inside multi-byte characters without harm', () => {
    const text = 'héllo wörld\n日本語のテキスト\n😀 emoji 😀\n\nlast ñ';
    expect(at(text, { lines: [1, 3] })).toBe('日本語のテキスト\n😀 emoji 😀');
    expect(at(text, { head: 1 })).toBe('héllo wörld');
    expect(at(text, { lines: [3, 5] })).toBe('\nlast ñ');
  });

  it('drops a byte-order mark only at the start of the file', () => {
    expect(at('\uFEFFa\nb', { head: 2 })).toBe('a\nb');
    expect(at('\uFEFFa\nb', { lines: [1, 2] })).toBe('b');
    expect(at('a\n\uFEFFb', { lines: [1, 2] })).toBe('\uFEFFb');
  });

  it('replaces invalid UTF-8 with U+FFFD', () => {
    expect(at(new Uint8Array([0x61, 0xff, 0x0a, 0x62, 0xe6, 0x97]), { head: 2 })).toBe('a\uFFFD\nb\uFFFD');
  });

  it('counts physical lines in CSV too, quotes or not', () => {
    expect(at('h\n"a\nb"\nc\n', { lines: [1, 3] }, 'csv')).toBe('"a\nb"');
    expect(at('h\n"a\nb"\nc\n', { head: 4 }, 'csv')).toBe('h\n"a\nb"\nc');
  });
});

describe.each(CHUNK_SIZES)('drilldown rows, chunks of %i bytes', (size) => {
  const rows = (data: string, format: ArtifactFormat, start: number, end: number) =>
    select(data, { rows: [start, end] }, format, size);

  const CSV = 'name,note\r\nann,"line1\r\nline2"\r\nbob,"say ""hi"", ok"\r\ncid,plain\r\n';

  it('gives the CSV header and the asked data rows, a quoted newline staying in its row', () => {
    expect(rows(CSV, 'csv', 0, 1)).toBe('name,note\nann,"line1\r\nline2"');
    expect(rows(CSV, 'csv', 1, 3)).toBe('name,note\nbob,"say ""hi"", ok"\ncid,plain');
    expect(rows(CSV, 'csv', 0, 3)).toBe('name,note\nann,"line1\r\nline2"\nbob,"say ""hi"", ok"\ncid,plain');
    expect(rows(CSV, 'csv', 0, 0)).toBe('name,note');
    expect(rows(CSV, 'csv', 3, 9)).toBe('name,note');
  });

  it('follows quotes across records and escaped quotes before newlines', () => {
    const csv = '"multi\nline header",b\n1,"x\n\ny"\n2,"a""\nb"\n"""",z\n3,last';
    expect(rows(csv, 'csv', 0, 1)).toBe('"multi\nline header",b\n1,"x\n\ny"');
    expect(rows(csv, 'csv', 1, 2)).toBe('"multi\nline header",b\n2,"a""\nb"');
    expect(rows(csv, 'csv', 2, 4)).toBe('"multi\nline header",b\n"""",z\n3,last');
  });

  it('treats a quote inside an unquoted field as data', () => {
    expect(rows('a,b\nx"y,z\n5 "in,"ch"\nlast,1\n', 'csv', 0, 3)).toBe('a,b\nx"y,z\n5 "in,"ch"\nlast,1');
    expect(rows('a,b\nx"y,z\n5 "in,"ch"\nlast,1\n', 'csv', 2, 3)).toBe('a,b\nlast,1');
  });

  it('reads a quoted first field after a byte-order mark', () => {
    expect(rows('\uFEFF"id\nx",b\n1,2\n3,4', 'csv', 1, 2)).toBe('"id\nx",b\n3,4');
  });

  it('runs an unclosed quote to the end of the file', () => {
    expect(rows('h\n"open\nrest\n', 'csv', 0, 5)).toBe('h\n"open\nrest\n');
  });

  it('gives nothing for an empty CSV and only the header when there are no data rows', () => {
    expect(rows('', 'csv', 0, 5)).toBe('');
    expect(rows('a,b\r\n', 'csv', 0, 5)).toBe('a,b');
  });

  it('reads TSV rows as lines, since TSV has no quoting', () => {
    const tsv = 'a\tb\n1\t"x\n2\ty\n3\tz';
    expect(rows(tsv, 'tsv', 0, 2)).toBe('a\tb\n1\t"x\n2\ty');
    expect(rows(tsv, 'tsv', 1, 9)).toBe('a\tb\n2\ty\n3\tz');
  });

  it('gives JSONL lines without a header', () => {
    const jsonl = '{"a":1}\n{"a":"ü"}\r\n{"a":3}\n';
    expect(rows(jsonl, 'jsonl', 1, 3)).toBe('{"a":"ü"}\n{"a":3}');
    expect(rows(jsonl, 'jsonl', 0, 1)).toBe('{"a":1}');
    expect(rows(jsonl, 'jsonl', 0, 0)).toBe('');
    expect(rows(jsonl, 'jsonl', 3, 4)).toBe('');
  });
});

describe.each([1, 7, 1024])('drilldown jsonKeys, chunks of %i bytes', (size) => {
  const DOC = JSON.stringify({
    a: 1,
    b: { c: [1, 2], d: 'x', 'e.f': 0 },
    e: null,
    f: { g: { h: true, i: 'ß' } },
    名前: 'テスト',
    ['__proto__']: { p: 1 },
  });
  const keys = (paths: unknown, doc = DOC, format: ArtifactFormat = 'text') =>
    select(doc, { jsonKeys: paths }, format, size);

  it('keeps only the named top-level keys, in the order named', () => {
    expect(keys(['a'])).toBe('{"a":1}');
    expect(keys(['e', 'a'])).toBe('{"e":null,"a":1}');
    expect(keys(['名前'])).toBe('{"名前":"テスト"}');
    expect(keys(['__proto__'])).toBe('{"__proto__":{"p":1}}');
  });

  it('reaches into nested objects and keeps the result nested', () => {
    expect(keys(['b.c'])).toBe('{"b":{"c":[1,2]}}');
    expect(keys(['f.g.i', 'b.d', 'f.g.h'])).toBe('{"f":{"g":{"i":"ß","h":true}},"b":{"d":"x"}}');
  });

  it('merges overlapping paths: a whole object wins over parts of it', () => {
    expect(keys(['b', 'b.c'])).toBe('{"b":{"c":[1,2],"d":"x","e.f":0}}');
    expect(keys(['b.c', 'b'])).toBe('{"b":{"c":[1,2],"d":"x","e.f":0}}');
  });

  it('leaves out missing keys, paths through non-objects, and parents with nothing found', () => {
    expect(keys(['zz', 'a.x', 'b.zz', 'b.c.0', 'e.x', 'b.e.f', 'toString'])).toBe('{}');
    expect(keys(['zz', 'a'])).toBe('{"a":1}');
    expect(keys([])).toBe('{}');
  });

  it('reads any format and drops a leading byte-order mark', () => {
    expect(keys(['a'], '\uFEFF {"a": [1, {"b": 2}]}\n', 'csv')).toBe('{"a":[1,{"b":2}]}');
  });

  it('rejects an artifact that is not one JSON object', () => {
    for (const [doc, expected] of [
      ['[1,2]', 'artifact "h1" holds an array, not a JSON object; drilldown jsonKeys needs a JSON object'],
      ['42', 'artifact "h1" holds a number, not a JSON object; drilldown jsonKeys needs a JSON object'],
      ['null', 'artifact "h1" holds null, not a JSON object; drilldown jsonKeys needs a JSON object'],
      ['"s"', 'artifact "h1" holds a string, not a JSON object; drilldown jsonKeys needs a JSON object'],
    ] as const) {
      expect(rejection(() => keys(['a'], doc)).message).toBe(expected);
    }
    expect(rejection(() => keys(['a'], '{"a":')).message).toMatch(
      /^artifact "h1" is not valid JSON \(.+\); drilldown jsonKeys needs a JSON object$/,
    );
    expect(rejection(() => keys(['a'], '')).message).toMatch(/^artifact "h1" is not valid JSON/);
    expect(rejection(() => keys(['a'], '{"a":1}\n{"a":2}\n', 'jsonl')).message).toMatch(/is not valid JSON/);
    const badUtf8 = drilldownOf(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]));
    expect(rejection(() => badUtf8({ jsonKeys: ['a'] })).message).toBe(
      'artifact "h1" is not valid UTF-8 text, so drilldown jsonKeys cannot read it as a JSON object',
    );
  });
});

function drilldownOf(bytes: Uint8Array) {
  return (selector: unknown) => drilldown(bytesChunkSource(bytes, 3), selector, 'text', 'h1');
}

describe('artifactFormat', () => {
  it.each<[string, string | null, ArtifactFormat]>([
    ['text/csv', null, 'csv'],
    ['TEXT/CSV; charset=UTF-8', null, 'csv'],
    ['text/tab-separated-values', null, 'tsv'],
    [' Text/Tab-Separated-Values ;charset=utf-8', 'x.txt', 'tsv'],
    ['application/jsonl', null, 'jsonl'],
    ['application/x-ndjson;charset=utf-8', null, 'jsonl'],
    ['application/x-jsonlines', null, 'jsonl'],
    ['text/plain;charset=utf-8', 'data.CSV', 'csv'],
    ['application/octet-stream', 'table.tsv', 'tsv'],
    ['text/plain', 'log.jsonl', 'jsonl'],
    ['text/plain', 'log.NDJSON', 'jsonl'],
    ['text/csv', 'table.tsv', 'csv'],
    ['application/json', 'doc.json', 'text'],
    ['text/plain', 'archive.csv.gz', 'text'],
    ['text/plain', 'csv', 'text'],
    ['text/plain', null, 'text'],
    ['', null, 'text'],
  ])('%j with name %j is %s', (mime, name, format) => {
    expect(artifactFormat(mime, name)).toBe(format);
  });
});

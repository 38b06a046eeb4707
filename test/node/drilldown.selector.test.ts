import { describe, expect, it } from 'vitest';
import { bytesChunkSource } from '../../src/core/artifacts/bytesChunkSource.js';
import { drilldown } from '../../src/core/artifacts/drilldown.js';
import { ThreadkeepError } from '../../src/core/errors.js';

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

const text = (selector: unknown) =>
  drilldown(bytesChunkSource(new TextEncoder().encode('a\nb\n'), 3), selector, 'text', 'h1');

describe('drilldown selector checks', () => {
  const prefix = (shown: string) => `drilldown selector ${shown} for artifact "h1" is invalid: `;
  const ONE_OF = 'head, lines, rows or jsonKeys';
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  it.each<[string, unknown, string]>([
    ['null', null, `${prefix('null')}it must be an object with exactly one of the keys ${ONE_OF}`],
    [
      'undefined',
      undefined,
      `${prefix('undefined')}it must be an object with exactly one of the keys ${ONE_OF}`,
    ],
    ['a number', 5, `${prefix('5')}it must be an object with exactly one of the keys ${ONE_OF}`],
    ['a string', 'head', `${prefix('"head"')}it must be an object with exactly one of the keys ${ONE_OF}`],
    ['an array', [0, 1], `${prefix('[0,1]')}it must be an object with exactly one of the keys ${ONE_OF}`],
    ['a Date', new Date(0), `${prefix('a Date')}it must be an object with exactly one of the keys ${ONE_OF}`],
    ['no key', {}, `${prefix('{}')}it has no keys but must have exactly one of ${ONE_OF}`],
    [
      'two keys',
      { head: 1, lines: [0, 1] },
      `${prefix('{"head":1,"lines":[0,1]}')}it has 2 keys (head, lines) but must have exactly one of ${ONE_OF}`,
    ],
    ['an unknown key', { tail: 3 }, `${prefix('{"tail":3}')}unknown key "tail"; use one of ${ONE_OF}`],
    ['a wrongly cased key', { Head: 3 }, `${prefix('{"Head":3}')}unknown key "Head"; use one of ${ONE_OF}`],
    ['negative head', { head: -1 }, `${prefix('{"head":-1}')}head must be a non-negative integer, got -1`],
    [
      'fractional head',
      { head: 1.5 },
      `${prefix('{"head":1.5}')}head must be a non-negative integer, got 1.5`,
    ],
    [
      'NaN head',
      { head: Number.NaN },
      `${prefix('{"head":NaN}')}head must be a non-negative integer, got NaN`,
    ],
    [
      'infinite head',
      { head: Number.POSITIVE_INFINITY },
      `${prefix('{"head":Infinity}')}head must be a non-negative integer, got Infinity`,
    ],
    [
      'huge head',
      { head: 2 ** 53 },
      `${prefix('{"head":9007199254740992}')}head must be a non-negative integer, got 9007199254740992`,
    ],
    ['string head', { head: '3' }, `${prefix('{"head":"3"}')}head must be a non-negative integer, got "3"`],
    ['BigInt head', { head: 3n }, `${prefix('{"head":3n}')}head must be a non-negative integer, got 3n`],
    [
      'undefined head',
      { head: undefined },
      `${prefix('{"head":undefined}')}head must be a non-negative integer, got undefined`,
    ],
    [
      'cyclic head',
      { head: cyclic },
      `${prefix('{"head":{"self":{"self":an object}}}')}head must be a non-negative integer, got an object`,
    ],
    [
      'lines not an array',
      { lines: 5 },
      `${prefix('{"lines":5}')}lines must be an array [start, end] of two non-negative integers`,
    ],
    [
      'lines of one number',
      { lines: [1] },
      `${prefix('{"lines":[1]}')}lines must be an array [start, end] of two non-negative integers`,
    ],
    [
      'lines of three numbers',
      { lines: [1, 2, 3] },
      `${prefix('{"lines":[1,2,3]}')}lines must be an array [start, end] of two non-negative integers`,
    ],
    [
      'negative lines start',
      { lines: [-1, 2] },
      `${prefix('{"lines":[-1,2]}')}lines start must be a non-negative integer, got -1`,
    ],
    [
      'fractional lines end',
      { lines: [0, 1.5] },
      `${prefix('{"lines":[0,1.5]}')}lines end must be a non-negative integer, got 1.5`,
    ],
    [
      'NaN lines start',
      { lines: [Number.NaN, 1] },
      `${prefix('{"lines":[NaN,1]}')}lines start must be a non-negative integer, got NaN`,
    ],
    [
      'huge lines end',
      { lines: [0, 1e300] },
      `${prefix('{"lines":[0,1e+300]}')}lines end must be a non-negative integer, got 1e+300`,
    ],
    [
      'string lines start',
      { lines: ['0', 1] },
      `${prefix('{"lines":["0",1]}')}lines start must be a non-negative integer, got "0"`,
    ],
    [
      'lines start after end',
      { lines: [3, 1] },
      `${prefix('{"lines":[3,1]}')}lines start 3 is after end 1 (end is exclusive)`,
    ],
    [
      'rows start after end',
      { rows: [2, 1] },
      `${prefix('{"rows":[2,1]}')}rows start 2 is after end 1 (end is exclusive)`,
    ],
    [
      'negative rows start',
      { rows: [-1, 0] },
      `${prefix('{"rows":[-1,0]}')}rows start must be a non-negative integer, got -1`,
    ],
    [
      'rows not an array',
      { rows: '0-5' },
      `${prefix('{"rows":"0-5"}')}rows must be an array [start, end] of two non-negative integers`,
    ],
    [
      'jsonKeys not an array',
      { jsonKeys: 'a' },
      `${prefix('{"jsonKeys":"a"}')}jsonKeys must be an array of key paths such as "a" or "a.b"`,
    ],
    [
      'a number among jsonKeys',
      { jsonKeys: ['a', 1] },
      `${prefix('{"jsonKeys":["a",1]}')}jsonKeys[1] must be a string, got 1`,
    ],
    [
      'null among jsonKeys',
      { jsonKeys: [null] },
      `${prefix('{"jsonKeys":[null]}')}jsonKeys[0] must be a string, got null`,
    ],
    [
      'an empty jsonKeys path',
      { jsonKeys: [''] },
      `${prefix('{"jsonKeys":[""]}')}jsonKeys[0] "" has an empty key; write paths like "a" or "a.b"`,
    ],
    [
      'a jsonKeys path ending in a dot',
      { jsonKeys: ['a', 'b.'] },
      `${prefix('{"jsonKeys":["a","b."]}')}jsonKeys[1] "b." has an empty key; write paths like "a" or "a.b"`,
    ],
    [
      'a jsonKeys path starting with a dot',
      { jsonKeys: ['.b'] },
      `${prefix('{"jsonKeys":[".b"]}')}jsonKeys[0] ".b" has an empty key; write paths like "a" or "a.b"`,
    ],
    [
      'a jsonKeys path with two dots',
      { jsonKeys: ['a..b'] },
      `${prefix('{"jsonKeys":["a..b"]}')}jsonKeys[0] "a..b" has an empty key; write paths like "a" or "a.b"`,
    ],
  ])('rejects %s', (_, selector, message) => {
    expect(rejection(() => text(selector)).message).toBe(message);
  });

  it('rejects a class instance even with the right key', () => {
    class Sel {
      head = 1;
    }
    expect(rejection(() => text(new Sel())).message).toBe(
      `${prefix('a Sel')}it must be an object with exactly one of the keys ${ONE_OF}`,
    );
  });

  it('accepts an object without a prototype and -0', () => {
    const selector = Object.assign(Object.create(null), { head: -0 });
    expect(text(selector)).toBe('');
    expect(text({ lines: [0, 1] })).toBe('a');
  });

  it('shortens a very long selector in the message', () => {
    const message = rejection(() => text({ jsonKeys: ['x'.repeat(500), 7] })).message;
    const shown = `{"jsonKeys":["${'x'.repeat(186)}…`; // 200 characters, then the ellipsis
    expect(message).toBe(`${prefix(shown)}jsonKeys[1] must be a string, got 7`);
  });

  it('rejects rows on plain text, naming the artifact and the way out', () => {
    expect(rejection(() => text({ rows: [0, 1] })).message).toBe(
      `${prefix('{"rows":[0,1]}')}rows needs a CSV, TSV or JSONL artifact, and "h1" is plain text (known by its mime type or file name); use lines instead`,
    );
  });

  it('checks the selector before reading any chunk', () => {
    const source = {
      size: 10,
      chunkCount: 1,
      readChunk(): Uint8Array {
        throw new Error('read');
      },
    };
    expect(rejection(() => drilldown(source, { head: -1 }, 'text', 'h1')).message).toContain('head');
    expect(rejection(() => drilldown(source, { rows: [0, 1] }, 'text', 'h1')).message).toContain('rows');
    expect(drilldown(source, { head: 0 }, 'text', 'h1')).toBe('');
  });
});

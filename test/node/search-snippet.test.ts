import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ThreadkeepError } from '../../src/core/errors.js';
import { type QueryTerm, translatePlainQuery } from '../../src/core/search/query.js';
import { makeSnippet } from '../../src/core/search/snippet.js';
import { foldToken, WORD_PATTERN } from '../../src/core/search/unicode61.js';

const FILLER =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ';

function snippet(text: string, query: string, maxLength?: number) {
  return makeSnippet(
    text,
    translatePlainQuery(query).terms,
    maxLength === undefined ? undefined : { maxLength },
  );
}

/** The highlighted parts, to read failures at a glance. */
function marked(result: { snippet: string; highlights: Array<[number, number]> }): string[] {
  return result.highlights.map(([start, end]) => result.snippet.slice(start, end));
}

/** Every match of `terms` in the whole (collapsed) text, found the slow, obvious way, merged. */
function referenceHighlights(text: string, terms: readonly QueryTerm[]): Array<[number, number]> {
  const flat = text.normalize('NFC').replace(/\s+/g, ' ').trim();
  const ranges: Array<[number, number]> = [];
  for (const token of flat.matchAll(new RegExp(WORD_PATTERN, 'gu'))) {
    const folded = foldToken(token[0]);
    const hit = terms.some(
      (term) => !term.cjk && (term.prefix ? folded.startsWith(term.text) : folded === term.text),
    );
    if (hit) ranges.push([token.index, token.index + token[0].length]);
  }
  for (const term of terms.filter((t) => t.cjk)) {
    for (let at = flat.indexOf(term.text); at >= 0; at = flat.indexOf(term.text, at + term.text.length)) {
      ranges.push([at, at + term.text.length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('makeSnippet', () => {
  test('a match at the start keeps the start, cut at a word before 160 units', () => {
    const result = snippet(`SQLite stores the event log durably. ${FILLER.repeat(3)}`, 'sqlite');
    expect(result).toEqual({
      snippet:
        'SQLite stores the event log durably. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna…',
      highlights: [[0, 6]],
    });
  });

  test('a match in the middle of a long text is centred, both ends cut between words', () => {
    const text = `${FILLER.repeat(2)}The indexer writes every event into the FTS5 table lazily. ${FILLER.repeat(2)}`;
    const result = snippet(text, 'fts5 table');
    expect(result).toEqual({
      snippet:
        '…ut labore et dolore magna aliqua. The indexer writes every event into the FTS5 table lazily. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do…',
      highlights: [
        [75, 79],
        [80, 85],
      ],
    });
    expect(result.snippet.length).toBe(158);
  });

  test('a match at the end keeps the end', () => {
    const result = snippet(`${FILLER.repeat(3)}This is the end of the conversation.`, 'conversation');
    expect(result.snippet).toBe(
      '…ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. This is the end of the conversation.',
    );
    expect(result.highlights).toEqual([[142, 154]]);
  });

  test('several terms: the tightest cluster holding all of them wins', () => {
    const text = `${FILLER}apple here. ${FILLER}banana and cherry together with apple. ${FILLER}`;
    const result = snippet(text, 'apple banana cherry');
    expect(result.snippet).toBe(
      '…eiusmod tempor incididunt ut labore et dolore magna aliqua. banana and cherry together with apple. Lorem ipsum dolor sit amet, consectetur adipiscing elit,…',
    );
    expect(result.highlights).toEqual([
      [61, 67],
      [72, 78],
      [93, 98],
    ]);
    expect(marked(result)).toEqual(['banana', 'cherry', 'apple']);
  });

  test('accented text: highlights cover the original accented characters', () => {
    const result = snippet('Nous avons mangé une Crème Brûlée délicieuse.', 'creme brulee');
    expect(result).toEqual({
      snippet: 'Nous avons mangé une Crème Brûlée délicieuse.',
      highlights: [
        [21, 26],
        [27, 33],
      ],
    });
    // Decomposed accents come out composed (NFC), the form the index matched.
    expect(snippet('Cre\u0300me bru\u0302le\u0301e', 'CRÈME')).toEqual({
      snippet: 'Crème brûlée',
      highlights: [[0, 5]],
    });
  });

  test('a prefix term highlights each whole token it starts, never a token it is only inside', () => {
    const result = snippet('Searching and researching: the searcher searched.', 'search');
    expect(result.highlights).toEqual([
      [0, 9],
      [31, 39],
      [40, 48],
    ]);
    expect(marked(result)).toEqual(['Searching', 'searcher', 'searched']);
    expect(marked(snippet('Une crème brûlée.', 'brul'))).toEqual(['brûlée']);
  });

  test('CJK terms match as substrings; overlapping and touching matches merge', () => {
    const long = snippet(`${FILLER}我们建立了数据索引，查询很快。${FILLER}`, '数据索引');
    expect(long.snippet).toBe(
      '…sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. 我们建立了数据索引，查询很快。Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod…',
    );
    expect(long.highlights).toEqual([[73, 77]]);
    expect(snippet('SQLite数据库索引很快', 'sqlite 数据 索引')).toEqual({
      snippet: 'SQLite数据库索引很快',
      // Touching ranges merge too: one mark over "SQLite数据".
      highlights: [
        [0, 8],
        [9, 11],
      ],
    });
    expect(snippet('数据库', '数据 据库').highlights).toEqual([[0, 3]]);
  });

  test('whitespace runs collapse to one space and the ends are trimmed', () => {
    expect(snippet('  lots   of\n\n\twhitespace\t here  ', 'whitespace')).toEqual({
      snippet: 'lots of whitespace here',
      highlights: [[8, 18]],
    });
  });

  test('cuts never split a surrogate pair', () => {
    const result = snippet(`${'😀'.repeat(30)}x`, 'x', 20);
    expect(result).toEqual({ snippet: `…${'😀'.repeat(9)}x`, highlights: [[19, 20]] });
    const odd = snippet(`a${'😀'.repeat(30)} x ${'😀'.repeat(30)}`, 'x', 21);
    expect(odd.snippet).toBe(`…${'😀'.repeat(4)} x ${'😀'.repeat(4)}…`);
    expect(odd.highlights).toEqual([[10, 11]]);
  });

  test('without a match the excerpt is the start of the text', () => {
    expect(snippet(FILLER.repeat(2), 'nomatch')).toEqual({
      snippet:
        'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Lorem ipsum dolor sit amet,…',
      highlights: [],
    });
    expect(makeSnippet('short text', [])).toEqual({ snippet: 'short text', highlights: [] });
    expect(snippet('', 'x')).toEqual({ snippet: '', highlights: [] });
  });

  test('a token longer than the excerpt is cut and its highlight clipped', () => {
    expect(snippet('a'.repeat(500), 'a', 20)).toEqual({
      snippet: `${'a'.repeat(19)}…`,
      highlights: [[0, 19]],
    });
  });

  test('NUL and lone surrogates stay as they are: plain text, no escaping', () => {
    expect(snippet('x\0y \ud800 <b>z</b>', 'z')).toEqual({
      snippet: 'x\0y \ud800 <b>z</b>',
      highlights: [[9, 10]],
    });
  });

  test('maxLength must be an integer of at least 8', () => {
    for (const maxLength of [7, 0, -1, 10.5, Number.NaN]) {
      expect(() => makeSnippet('text', [], { maxLength })).toThrow(ThreadkeepError);
    }
    expect(makeSnippet('0123456789abc', [], { maxLength: 8 }).snippet).toBe('0123456…');
  });

  test('property: on a text that fits, every match is highlighted, nothing else', () => {
    const pieces = [
      'q',
      '\u0301',
      'x',
      'é',
      'É',
      'Ölçü',
      'nana',
      'Nan',
      'ΣΟΦΟΣ',
      '数据',
      '😀',
      '🤔',
      ' ',
      '-',
      '\n',
    ];
    const text = fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((parts) => parts.join(''));
    const words = ['na', 'nan', 'x', 'qx', 'e', 'olcu', 'σοφος', '数据', '据', '🤔'];
    fc.assert(
      fc.property(
        text,
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 3 }),
        (body, picked) => {
          const { terms } = translatePlainQuery(picked.join(' '));
          expect(makeSnippet(body, terms, { maxLength: 1000 }).highlights).toEqual(
            referenceHighlights(body, terms),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('property: bounded, well-formed, a piece of the text, highlights sorted and apart', () => {
    const words = ['alpha', 'Beta', 'gamma', 'délta', 'ÉPSILON', '数据', '索引', '😀', '-', '  ', '\n'];
    const text = fc
      .array(fc.oneof(fc.constantFrom(...words), fc.string({ unit: 'grapheme', maxLength: 6 })), {
        maxLength: 80,
      })
      .map((parts) => parts.join(' '));
    const query = fc.array(fc.constantFrom('alp', 'beta', 'delta', 'epsilon', '数据', '索', 'x'), {
      maxLength: 4,
    });
    fc.assert(
      fc.property(text, query, fc.integer({ min: 8, max: 200 }), (body, picked, maxLength) => {
        const { snippet: excerpt, highlights } = snippet(body, picked.join(' '), maxLength);
        expect(excerpt.length).toBeLessThanOrEqual(maxLength);
        expect(LONE_SURROGATE.test(excerpt)).toBe(false);
        const flat = body.normalize('NFC').replace(/\s+/g, ' ').trim();
        expect(flat.includes(excerpt.replace(/^…|…$/g, ''))).toBe(true);
        let previousEnd = -1;
        for (const [start, end] of highlights) {
          expect(start).toBeGreaterThan(previousEnd);
          expect(end).toBeGreaterThan(start);
          expect(end).toBeLessThanOrEqual(excerpt.length);
          previousEnd = end;
        }
      }),
      { numRuns: 500 },
    );
  });
});

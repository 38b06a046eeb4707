import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { cjkBigrams, eventSearchText, toIndexText } from '../../src/core/search/text.js';
import { CJK_CHAR_PATTERN } from '../../src/core/search/unicode61.js';

/** toIndexText written the obvious, slow way: a replace over each CJK run. */
function referenceIndexText(text: string): string {
  const spaceAt = (whole: string, at: number) =>
    at < 0 || at >= whole.length || /[\t-\r \u3000]/.test(whole[at]!);
  return text
    .normalize('NFC')
    .replace(new RegExp(`${CJK_CHAR_PATTERN}+`, 'gu'), (run: string, offset: number, whole: string) => {
      const before = spaceAt(whole, offset - 1) ? '' : ' ';
      const after = spaceAt(whole, offset + run.length) ? '' : ' ';
      return `${before}${cjkBigrams(run)}${after}`;
    });
}

describe('eventSearchText', () => {
  test('a string content without tool calls is the text itself', () => {
    expect(eventSearchText('hello world', [])).toBe('hello world');
    expect(eventSearchText('', [])).toBe('');
    expect(eventSearchText(null, [])).toBe('');
  });

  test('content, then each tool call name and arguments, one per line', () => {
    const text = eventSearchText('Let me check.', [
      { id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'c2', name: 'read_file', arguments: { path: 'src/a.ts', lines: [1, 2] } },
      { id: 'c3', name: 'noop', arguments: null },
    ]);
    expect(text).toBe(
      'Let me check.\nget_weather\n{"city":"Paris"}\nread_file\n{"path":"src/a.ts","lines":[1,2]}\nnoop',
    );
  });

  test('OpenAI content parts: text kept, images left out', () => {
    const content = [
      { type: 'text', text: 'What is in this image?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'input_text', text: 'and this' },
      { type: 'refusal', refusal: 'I cannot help with that.' },
    ];
    expect(eventSearchText(content, [])).toBe('What is in this image?\nand this\nI cannot help with that.');
  });

  test('Anthropic blocks: text, thinking, tool_use, nested tool_result; binary sources left out', () => {
    const content = [
      { type: 'thinking', thinking: 'The user wants the weather.', signature: 'c2lnbmF0dXJl' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Zürich' } },
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        content: [
          { type: 'text', text: '21°C and sunny' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
      { type: 'tool_result', tool_use_id: 'toolu_2', content: 'plain result' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
    ];
    expect(eventSearchText(content, [])).toBe(
      'The user wants the weather.\nChecking.\nget_weather\n{"city":"Zürich"}\n21°C and sunny\nplain result',
    );
  });

  test('Responses API items and parts of unknown shape', () => {
    const content = [
      { type: 'function_call', call_id: 'call_1', name: 'search_docs', arguments: '{"q":"fts5"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'found 3 pages' },
      { type: 'custom', label: 'order', number: 1234, flag: true, id: 'x-1' },
    ];
    expect(eventSearchText(content, [])).toBe('search_docs\n{"q":"fts5"}\nfound 3 pages\norder\n1234');
    expect(eventSearchText({ summary: 'a JSON object as content' }, [])).toBe('a JSON object as content');
    expect(eventSearchText(42, [])).toBe('42');
    expect(eventSearchText(true, [])).toBe('');
  });

  test('deep nesting stops at 64 levels instead of exhausting the stack', () => {
    let deep: unknown = 'too deep';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(eventSearchText(deep as string[], [])).toBe('');
    let shallow: unknown = 'found';
    for (let i = 0; i < 60; i++) shallow = [shallow];
    expect(eventSearchText(shallow as string[], [])).toBe('found');
  });
});

describe('toIndexText', () => {
  test('text without CJK characters is only NFC-normalized', () => {
    expect(toIndexText('plain ASCII text')).toBe('plain ASCII text');
    expect(toIndexText('Cre\u0300me bru\u0302le\u0301e')).toBe('Crème brûlée');
    expect(toIndexText('x\0y \ud800 🤔')).toBe('x\0y \ud800 🤔');
  });

  test('CJK runs become overlapping bigrams, set apart from other text', () => {
    expect(toIndexText('数据索引')).toBe('数据 据索 索引');
    expect(toIndexText('数')).toBe('数');
    expect(toIndexText('SQLite数据库')).toBe('SQLite 数据 据库');
    expect(toIndexText('数据库SQLite')).toBe('数据 据库 SQLite');
    expect(toIndexText('用SQLite存数据。')).toBe('用 SQLite 存数 数据 。');
    expect(toIndexText('abc 数据\n大阪')).toBe('abc 数据\n大阪');
    expect(toIndexText('データベース')).toBe('デー ータ タベ ベー ース');
    expect(toIndexText('검색 엔진을')).toBe('검색 엔진 진을');
    expect(toIndexText('東京、大阪')).toBe('東京 、 大阪');
  });

  test('characters beyond the BMP are bigrammed whole, never split', () => {
    expect(toIndexText('𠀀𠀁𠀂')).toBe('𠀀𠀁 𠀁𠀂');
    expect(cjkBigrams('a')).toBe('a');
    expect(cjkBigrams('𠀀')).toBe('𠀀');
    expect(cjkBigrams('数𠀀')).toBe('数𠀀');
  });

  test('decomposed kana compose before bigrams are built', () => {
    expect(toIndexText('か\u3099き')).toBe('がき');
  });

  test('next to CJK text a lone surrogate becomes U+FFFD, as SQLite stores it anyway', () => {
    expect(toIndexText('数据\ud800x')).toBe('数据 \ufffdx');
  });

  test('property: the same text as a replace over each CJK run', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ...['数', '据', '库', 'デ', 'ー', 'タ', '검', '색', '𠀀', '々', '、', '。', ' ', '\n', '\u3000'],
      ),
      fc.constantFrom(...['a', 'Z', '9', '-', 'é', 'e\u0301', 'か\u3099', '😀', '\0']),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(toIndexText(text)).toBe(referenceIndexText(text));
      }),
      { numRuns: 1000 },
    );
  });
});

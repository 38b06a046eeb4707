import { describe, expect, test } from 'vitest';
import { translateFts5Query, translatePlainQuery } from '../../src/core/search/query.js';

const word = (text: string, prefix = false) => ({ text, prefix, cjk: false });
const cjk = (text: string, prefix = false) => ({ text, prefix, cjk: true });

describe('translatePlainQuery', () => {
  test('every chunk is a quoted phrase, the last one a prefix, terms folded', () => {
    expect(translatePlainQuery('Crème Brûlée')).toEqual({
      match: '"Crème" "Brûlée"*',
      terms: [word('creme'), word('brulee', true)],
    });
    expect(translatePlainQuery('  hello  ')).toEqual({ match: '"hello"*', terms: [word('hello', true)] });
  });

  test('operators and punctuation are only text', () => {
    expect(translatePlainQuery('cats AND dogs OR NOT NEAR(x)')).toEqual({
      match: '"cats" "AND" "dogs" "OR" "NOT" "NEAR x"*',
      terms: [
        word('cats'),
        word('and'),
        word('dogs'),
        word('or'),
        word('not'),
        word('near'),
        word('x', true),
      ],
    });
    expect(translatePlainQuery('body:x "unbalanced -y +z ^w a* (b)').match).toBe(
      '"body x" "unbalanced" "y" "z" "w" "a" "b"*',
    );
    expect(translatePlainQuery('say "hi" there').match).toBe('"say" "hi" "there"*');
  });

  test('words joined by punctuation stay a phrase', () => {
    expect(translatePlainQuery('state-of-the-art e-ma')).toEqual({
      match: '"state of the art" "e ma"*',
      terms: [word('state'), word('of'), word('the'), word('art'), word('e'), word('ma', true)],
    });
    expect(translatePlainQuery('src/core/search.ts').match).toBe('"src core search ts"*');
  });

  test('queries without a token character match nothing', () => {
    for (const query of ['', '   ', '!!!', '" ( ) * ^ : - +', '🎉', '\0', '\ud800', '\u0301']) {
      expect(translatePlainQuery(query)).toEqual({ match: null, terms: [] });
    }
  });

  test('NUL, lone surrogates and emoji are separators, as unicode61 reads them', () => {
    expect(translatePlainQuery('x\0y \ud800z').match).toBe('"x y" "z"*');
    expect(translatePlainQuery('party 🎉').match).toBe('"party"*');
    // unicode61 predates U+1F914, so it reads it as a token character.
    expect(translatePlainQuery('🤔 hmm')).toEqual({
      match: '"🤔" "hmm"*',
      terms: [word('🤔'), word('hmm', true)],
    });
  });

  test('decomposed accents are composed first', () => {
    expect(translatePlainQuery('Cre\u0300me').match).toBe('"Crème"*');
  });

  test('CJK words become bigram phrases; a single CJK character is a prefix', () => {
    expect(translatePlainQuery('数据库')).toEqual({ match: '"数据 据库"*', terms: [cjk('数据库', true)] });
    expect(translatePlainQuery('SQLite数据库 索引')).toEqual({
      match: '"SQLite 数据 据库" "索引"*',
      terms: [word('sqlite'), cjk('数据库'), cjk('索引', true)],
    });
    expect(translatePlainQuery('数 sqlite')).toEqual({
      match: '"数"* "sqlite"*',
      terms: [cjk('数', true), word('sqlite', true)],
    });
    expect(translatePlainQuery('sqlite数').match).toBe('"sqlite 数"*');
    expect(translatePlainQuery('𠀀')).toEqual({ match: '"𠀀"*', terms: [cjk('𠀀', true)] });
    expect(translatePlainQuery('データ 검색').match).toBe('"デー ータ" "검색"*');
  });

  test('repeated chunks count once; the last chunk stays last and a prefix', () => {
    expect(translatePlainQuery('the cat the dog')).toEqual({
      match: '"cat" "the" "dog"*',
      terms: [word('cat'), word('the'), word('dog', true)],
    });
    expect(translatePlainQuery('dog cat dog').match).toBe('"cat" "dog"*');
  });

  test('past 256 distinct chunks the middle ones are dropped', () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
    const { match, terms } = translatePlainQuery(words.join(' '));
    const kept = [...words.slice(0, 255), 'w299'];
    expect(match).toBe(`${kept.map((w) => `"${w}"`).join(' ')}*`);
    expect(terms.map((term) => term.text)).toEqual(kept);
    expect(terms[255]).toEqual(word('w299', true));
  });
});

describe('translateFts5Query', () => {
  test('syntax without CJK passes through unchanged', () => {
    for (const query of [
      'a AND b',
      '"a b" OR c*',
      'NEAR(a b, 5)',
      'body:x',
      '{body}: x',
      '^a + b',
      '- body: x',
      'a NOT',
    ]) {
      expect(translateFts5Query(query).match).toBe(query);
    }
  });

  test('terms skip operators, column names and NEAR distances', () => {
    expect(translateFts5Query('body:Crème AND NEAR(brûl* "x y", 10) NOT z').terms).toEqual([
      word('creme'),
      word('brul', true),
      word('x'),
      word('y'),
      word('z'),
    ]);
    expect(translateFts5Query('NEAR AND near').terms).toEqual([word('near')]);
  });

  test('CJK in barewords and strings becomes bigram phrases', () => {
    expect(translateFts5Query('数据库')).toEqual({ match: '"数据 据库"', terms: [cjk('数据库')] });
    expect(translateFts5Query('"SQLite数据库" OR 索引*')).toEqual({
      match: '"SQLite 数据 据库" OR "索引"*',
      terms: [word('sqlite'), cjk('数据库'), cjk('索引', true)],
    });
    expect(translateFts5Query('NEAR(数据 索引, 3)').match).toBe('NEAR("数据" "索引", 3)');
    expect(translateFts5Query('^数据 body:索引').match).toBe('^"数据" body:"索引"');
    expect(translateFts5Query('"say ""数据"""').match).toBe('"say "" 数据 """');
  });

  test('a quoted bareword never joins a neighbouring string', () => {
    expect(translateFts5Query('数据"x"').match).toBe('"数据" "x"');
    expect(translateFts5Query('"x"数据').match).toBe('"x" "数据"');
  });

  test('NUL becomes a space, blank queries match nothing, invalid syntax is left to FTS5', () => {
    expect(translateFts5Query('a\0b').match).toBe('a b');
    expect(translateFts5Query(' \t\n').match).toBe(null);
    expect(translateFts5Query('').match).toBe(null);
    expect(translateFts5Query('"unterminated').match).toBe('"unterminated');
    expect(translateFts5Query('a AND').match).toBe('a AND');
  });
});

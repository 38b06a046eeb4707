/**
 * The search pipeline against a real FTS5 table built like the engine's: events indexed through
 * eventSearchText and toIndexText, found through the translated queries.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { translateFts5Query, translatePlainQuery } from '../../src/core/search/query.js';
import { eventSearchText, toIndexText } from '../../src/core/search/text.js';
import type { JsonValue, ToolCall } from '../../src/core/types.js';

type Db = InstanceType<Awaited<ReturnType<typeof sqlite3InitModule>>['oo1']['DB']>;

let db: Db;
let nextRowid = 1;

beforeAll(async () => {
  const sqlite3 = await sqlite3InitModule();
  db = new sqlite3.oo1.DB(':memory:', 'c');
  db.exec(`CREATE VIRTUAL TABLE event_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2',
    content='', contentless_delete=1)`);
});

/** Indexes an event the way the engine does; returns its rowid. */
function index(content: JsonValue | null, toolCalls: ToolCall[] = []): number {
  const rowid = nextRowid++;
  const body = toIndexText(eventSearchText(content, toolCalls));
  db.exec({ sql: 'INSERT INTO event_fts(rowid, body) VALUES (?, ?)', bind: [rowid, body] });
  return rowid;
}

/** The rowids among `among` that the query finds. */
function find(query: string, among: number[], syntax: 'plain' | 'fts5' = 'plain'): number[] {
  const { match } = syntax === 'plain' ? translatePlainQuery(query) : translateFts5Query(query);
  if (match === null) return [];
  const rows = db.selectArrays('SELECT rowid FROM event_fts WHERE event_fts MATCH ? ORDER BY rowid', [match]);
  return rows.map((row) => row[0] as number).filter((rowid) => among.includes(rowid));
}

describe('plain syntax', () => {
  test('case and accents do not matter, on either side', () => {
    const docs = [
      index('Crème Brûlée recipe'),
      index('Cre\u0300me bru\u0302le\u0301e'),
      index('creme caramel'),
    ];
    expect(find('creme brulee', docs)).toEqual([docs[0], docs[1]]);
    expect(find('CRÈME', docs)).toEqual(docs);
    expect(find('Cre\u0300me BRÛLÉE', docs)).toEqual([docs[0], docs[1]]);
  });

  test('all words must match; only the last word is a prefix', () => {
    const docs = [index('searching quickly'), index('search quick'), index('search slowly')];
    expect(find('search', docs)).toEqual(docs);
    expect(find('search quick', docs)).toEqual([docs[1]]);
    expect(find('searching quick', docs)).toEqual([docs[0]]);
    expect(find('sear quick', docs)).toEqual([]);
    expect(find('quick sear', docs)).toEqual([docs[1]]);
    expect(find('quickly sear', docs)).toEqual([docs[0]]);
    expect(find('search quickly slowly', docs)).toEqual([]);
  });

  test('operators and punctuation are searched as text', () => {
    const docs = [
      index('cats and dogs'),
      index('cats or dogs'),
      index('do NOT touch'),
      index('the body: x field'),
      index('an "unbalanced quote'),
    ];
    expect(find('cats AND dogs', docs)).toEqual([docs[0]]);
    expect(find('cats OR dogs', docs)).toEqual([docs[1]]);
    expect(find('NOT', docs)).toEqual([docs[2]]);
    expect(find('NEAR(cats dogs)', docs)).toEqual([]);
    expect(find('body:x', docs)).toEqual([docs[3]]);
    expect(find('"unbalanced', docs)).toEqual([docs[4]]);
    expect(find('(cats) -dogs +and', docs)).toEqual([docs[0]]);
    expect(find('cats* ^dogs', docs)).toEqual([docs[0], docs[1]]);
    for (const query of ['AND', 'OR', 'NOT NEAR', '" ( ) * ^ : - +', '{body}:', '""', '-', 'a:b:c"']) {
      expect(() => find(query, docs)).not.toThrow();
    }
  });

  test('hyphenated words match written together, apart or in part', () => {
    const docs = [index('a well-known fact'), index('well known'), index('known well')];
    expect(find('well-known', docs)).toEqual([docs[0], docs[1]]);
    expect(find('well known', docs)).toEqual(docs);
    expect(find('known fact', docs)).toEqual([docs[0]]);
    expect(find('well-kn', docs)).toEqual([docs[0], docs[1]]);
    expect(find('wellknown', docs)).toEqual([]);
  });

  test('emoji, NUL and lone surrogates are separators like unicode61 reads them', () => {
    const docs = [
      index('party 🎉 time'),
      index('hmm 🤔 maybe'),
      index('x\0y'),
      index('lone \ud800 surrogate'),
    ];
    expect(find('party 🎉', docs)).toEqual([docs[0]]);
    expect(find('🎉time', docs)).toEqual([docs[0]]);
    expect(find('🎉', docs)).toEqual([]);
    expect(find('🤔', docs)).toEqual([docs[1]]);
    expect(find('x\0y', docs)).toEqual([docs[2]]);
    expect(find('x y', docs)).toEqual([docs[2]]);
    expect(find('lone\udc00surrogate', docs)).toEqual([docs[3]]);
    expect(find('\ud800', docs)).toEqual([]);
  });

  test('tool-call names and arguments are searchable', () => {
    const call = { id: 'c1', name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' };
    const docs = [
      index('Let me check.', [call]),
      index([{ type: 'tool_use', id: 't', name: 'read_file', input: { path: 'src/app.ts' } }]),
    ];
    expect(find('get_weather', docs)).toEqual([docs[0]]);
    expect(find('weather zurich', docs)).toEqual([docs[0]]);
    expect(find('check celsius', docs)).toEqual([docs[0]]);
    expect(find('read_file src/app.ts', docs)).toEqual([docs[1]]);
  });

  test('Chinese, Japanese and Korean are found by any substring of two or more characters', () => {
    const zh = index('我们建立了数据索引');
    const ja = index('データベースの検索が速い');
    const ko = index('검색 엔진을 만들었다');
    const mixed = index('SQLite数据库');
    const docs = [zh, ja, ko, mixed];
    expect(find('数据', docs)).toEqual([zh, mixed]);
    expect(find('索引', docs)).toEqual([zh]);
    expect(find('数据索引', docs)).toEqual([zh]);
    expect(find('建立了数', docs)).toEqual([zh]);
    expect(find('数据库', docs)).toEqual([mixed]);
    expect(find('データ', docs)).toEqual([ja]);
    expect(find('ベースの検', docs)).toEqual([ja]);
    expect(find('검색', docs)).toEqual([ko]);
    expect(find('진을', docs)).toEqual([ko]);
    expect(find('sqlite', docs)).toEqual([mixed]);
    expect(find('SQLite数据', docs)).toEqual([mixed]);
    expect(find('sqlite数', docs)).toEqual([mixed]);
    expect(find('数索', docs)).toEqual([]);
    expect(find('据', docs)).toEqual([zh, mixed]);
  });

  test('property: every substring of two or more characters of CJK text finds it', () => {
    const alphabet = [...'数据索引库検索データベース검색엔진ー々𠀀𠀁'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { minLength: 2, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        (chars, a, b) => {
          const rowid = index(chars.join(''));
          const from = a % (chars.length - 1);
          const to = from + 2 + (b % (chars.length - from - 1));
          expect(find(chars.slice(from, to).join(''), [rowid])).toEqual([rowid]);
        },
      ),
      { numRuns: 300 },
    );
  });

  const anyQuery = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom(
          ...['AND', 'OR', 'NOT', 'NEAR', '(', ')', '"', '*', '^', ':', '-', '+', '{', '}', ','],
        ),
        fc.constantFrom(
          ...[
            'body:',
            '\0',
            ' ',
            '\ud800',
            '\udfff',
            '数据',
            'データ',
            '검색',
            'e\u0301',
            'q',
            '\u0301',
            '\u0331',
            '🤔',
            '🎉',
          ],
        ),
      ),
      { maxLength: 12 },
    )
    .map((pieces) => pieces.join(''));

  test('property: a plain query is null or accepted by FTS5', () => {
    fc.assert(
      fc.property(anyQuery, (query) => {
        const { match } = translatePlainQuery(query);
        if (match !== null)
          db.selectArrays('SELECT rowid FROM event_fts WHERE event_fts MATCH ? LIMIT 1', [match]);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: any text is found by itself typed as a plain query', () => {
    fc.assert(
      fc.property(anyQuery, (text) => {
        const { match } = translatePlainQuery(text);
        if (match === null) return;
        const rowid = index(text);
        const sql = 'SELECT count(*) FROM event_fts WHERE event_fts MATCH ? AND rowid = ?';
        expect(db.selectValue(sql, [match, rowid])).toBe(1);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fts5 syntax', () => {
  test('operators work and CJK in barewords and strings is found', () => {
    const docs = [index('SQLite数据库'), index('数据 analysis'), index('plain english')];
    expect(find('数据库', docs, 'fts5')).toEqual([docs[0]]);
    expect(find('"数据库"', docs, 'fts5')).toEqual([docs[0]]);
    expect(find('数据 NOT sqlite', docs, 'fts5')).toEqual([docs[1]]);
    expect(find('english OR 数据库', docs, 'fts5')).toEqual([docs[0], docs[2]]);
    expect(find('NEAR(数据 analysis, 2)', docs, 'fts5')).toEqual([docs[1]]);
    expect(find('body:analys*', docs, 'fts5')).toEqual([docs[1]]);
    expect(find('^数据', docs, 'fts5')).toEqual([docs[1]]);
  });

  test('invalid syntax is left for FTS5 to reject', () => {
    for (const query of ['a AND', '"unterminated', 'NEAR(a b', 'nosuchcolumn:x', '(a']) {
      expect(() => find(query, [], 'fts5')).toThrow(/fts5|unterminated|no such column/);
    }
  });
});

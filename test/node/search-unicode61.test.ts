/**
 * Checks the measured unicode61 tables in src/core/search/unicode61.ts against SQLite's real
 * tokenizer: which code points start a token, which continue one, and that foldToken never tells
 * apart two characters SQLite folds alike. Every BMP code point is checked, and every 16th beyond.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  CJK_CHAR_PATTERN,
  foldToken,
  isCjkCodePoint,
  TOKEN_CHAR_PATTERN,
  WORD_PATTERN,
} from '../../src/core/search/unicode61.js';

interface Measured {
  /** Code point → its folded form when it is a token on its own, or null when it is a separator. */
  alone: Map<number, string | null>;
  /** Code point → whether "x<cp>y" is one token. */
  inside: Map<number, boolean>;
}

function codePoints(): number[] {
  const points: number[] = [];
  for (let cp = 0; cp < 0x10000; cp++) if (cp < 0xd800 || cp > 0xdfff) points.push(cp);
  for (let cp = 0x10000; cp < 0x110000; cp += 16) points.push(cp);
  return points;
}

async function measure(points: number[]): Promise<Measured> {
  const sqlite3 = await sqlite3InitModule();
  const db = new sqlite3.oo1.DB(':memory:', 'c');
  db.exec(`CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61 remove_diacritics 2', content='', contentless_delete=1);
    CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);`);
  db.transaction(() => {
    const insert = db.prepare('INSERT INTO t(rowid, body) VALUES (?, ?)');
    for (const cp of points) {
      const char = String.fromCodePoint(cp);
      insert
        .bind([cp * 2 + 1, char])
        .stepReset()
        .clearBindings();
      insert
        .bind([cp * 2 + 2, `x${char}y`])
        .stepReset()
        .clearBindings();
    }
    insert.finalize();
  });
  const alone = new Map<number, string | null>(points.map((cp) => [cp, null]));
  const tokens = new Map<number, number>();
  for (const [doc, term] of db.selectArrays('SELECT doc, term FROM v') as Array<[number, string]>) {
    const cp = Math.floor((doc - 1) / 2);
    if (doc % 2 === 1) alone.set(cp, term);
    else tokens.set(cp, (tokens.get(cp) ?? 0) + 1);
  }
  db.close();
  return { alone, inside: new Map(points.map((cp) => [cp, tokens.get(cp) === 1])) };
}

describe('unicode61 tables', () => {
  const points = codePoints();
  let measured: Measured;
  beforeAll(async () => {
    measured = await measure(points);
  }, 60_000);

  test('a code point starts a token exactly when SQLite says so', () => {
    const tokenChar = new RegExp(`^${TOKEN_CHAR_PATTERN}$`, 'u');
    const wrong = points.filter(
      (cp) => tokenChar.test(String.fromCodePoint(cp)) !== (measured.alone.get(cp) !== null),
    );
    expect(wrong.map((cp) => cp.toString(16))).toEqual([]);
  });

  test('a code point continues a token exactly when SQLite says so', () => {
    const word = new RegExp(`^${WORD_PATTERN}$`, 'u');
    const cjk = new RegExp(`^${CJK_CHAR_PATTERN}$`, 'u');
    // CJK characters are set apart before tokenizing, so test them in a CJK neighbourhood instead.
    const wrong = points.filter((cp) => {
      const char = String.fromCodePoint(cp);
      if (cjk.test(char)) return !measured.inside.get(cp);
      return word.test(`x${char}y`) !== measured.inside.get(cp);
    });
    expect(wrong.map((cp) => cp.toString(16))).toEqual([]);
    expect(measured.inside.get(0x301)).toBe(true);
    expect(measured.alone.get(0x301)).toBe(null);
  });

  test('isCjkCodePoint agrees with the CJK pattern, which holds only token characters', () => {
    const cjk = new RegExp(`^${CJK_CHAR_PATTERN}$`, 'u');
    const wrong = points.filter((cp) => isCjkCodePoint(cp) !== cjk.test(String.fromCodePoint(cp)));
    expect(wrong.map((cp) => cp.toString(16))).toEqual([]);
    expect([0x6570, 0x30fc, 0xac80, 0x20000].map(isCjkCodePoint)).toEqual([true, true, true, true]);
    expect([0x41, 0x3001, 0x30fb, 0x3099, 0x1f600].map(isCjkCodePoint)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  test('foldToken gives the same key to characters SQLite folds alike', () => {
    const wrong: string[] = [];
    for (const [cp, folded] of measured.alone) {
      if (folded === null) continue;
      const char = String.fromCodePoint(cp);
      if (foldToken(char) !== foldToken(folded)) wrong.push(`${cp.toString(16)} ${char} ${folded}`);
    }
    expect(wrong).toEqual([]);
  });

  test('foldToken lowercases and strips diacritics', () => {
    expect(foldToken('Crème')).toBe('creme');
    expect(foldToken('BRÛLÉE')).toBe('brulee');
    expect(foldToken('Cre\u0300me')).toBe('creme');
    expect(foldToken('ΣΟΦΟΣ')).toBe('σοφοσ');
    expect(foldToken('Straße')).toBe('straße');
    expect(foldToken('plain')).toBe('plain');
  });
});

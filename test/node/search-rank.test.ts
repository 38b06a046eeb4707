/**
 * threadkeep_bm25 against FTS5's own bm25() on the same table: the same scores wherever a phrase's
 * documents are counted exactly, the same order for one-phrase queries past that, and an estimate
 * close to the true document count for a common word.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { beforeAll, describe, expect, test } from 'vitest';
import { Database } from '../../src/core/database.js';
import {
  hasRanking,
  inverseDocumentFrequency,
  RANK_FUNCTION,
  takeRankedQuery,
} from '../../src/core/search/rank.js';

let db: Database;

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'kappa', 'lambda', 'sigma'];

/** A deterministic document: word i appears with probability ~1/(i+1), length 3 to 40. */
function document(n: number): string {
  let seed = (n * 2654435761) >>> 0;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const length = 3 + Math.floor(random() * 38);
  const words: string[] = [];
  for (let i = 0; i < length; i++) {
    const pick = Math.floor(random() ** 2 * WORDS.length);
    words.push(WORDS[pick]!);
  }
  return words.join(' ');
}

beforeAll(async () => {
  const sqlite3 = await sqlite3InitModule();
  const raw = new sqlite3.oo1.DB(':memory:', 'c');
  raw.exec(`CREATE TABLE events (key INTEGER PRIMARY KEY);
    CREATE VIRTUAL TABLE event_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2',
      content='', contentless_delete=1, prefix='1 2 3')`);
  raw.exec('BEGIN');
  for (let key = 1; key <= 6000; key++) {
    raw.exec({ sql: 'INSERT INTO events (key) VALUES (?)', bind: [key] });
    // 'psi' in 1 of 20 documents: fewer than 1024 in all, counted exactly.
    const body = `${document(key)}${key % 20 === 0 ? ' psi' : ''}`;
    raw.exec({ sql: 'INSERT INTO event_fts (rowid, body) VALUES (?, ?)', bind: [key, body] });
  }
  // A rare word in a few documents, so that multi-phrase queries have exact document counts.
  for (const key of [6001, 6002, 6003, 6004, 6005]) {
    raw.exec({ sql: 'INSERT INTO events (key) VALUES (?)', bind: [key] });
    raw.exec({
      sql: 'INSERT INTO event_fts (rowid, body) VALUES (?, ?)',
      bind: [key, `${document(key)} omega ${key % 2 === 0 ? 'omega' : ''}`],
    });
  }
  raw.exec('COMMIT');
  db = new Database(sqlite3, raw);
});

function scores(match: string): { ours: Map<number, number>; fts5: Map<number, number> } {
  const ours = new Map<number, number>();
  const fts5 = new Map<number, number>();
  for (const row of db.all(
    `SELECT rowid AS key, ${RANK_FUNCTION}(event_fts, (SELECT min(key) FROM events), (SELECT max(key) FROM events)) AS ours,
       -bm25(event_fts) AS fts5
     FROM event_fts WHERE event_fts MATCH ?`,
    [match],
  )) {
    ours.set(row.key as number, row.ours as number);
    fts5.set(row.key as number, row.fts5 as number);
  }
  return { ours, fts5 };
}

function ranking(byKey: Map<number, number>): number[] {
  return [...byKey].sort((a, b) => b[1] - a[1] || b[0] - a[0]).map(([key]) => key);
}

describe('threadkeep_bm25', () => {
  test('is registered in Node', () => {
    expect(hasRanking(db)).toBe(true);
  });

  test('leaves the IDF of a one-phrase query to its caller: times it, the score is bm25()', () => {
    takeRankedQuery();
    const { ours, fts5 } = scores('omega');
    expect(takeRankedQuery()).toEqual({ rows: 6005, idfDeferred: true });
    expect(ours.size).toBe(5);
    const idf = inverseDocumentFrequency(5, 6005);
    for (const [key, score] of fts5) expect(ours.get(key)! * idf).toBeCloseTo(score, 9);
  });

  test('scores as bm25() does for several phrases with exact counts', () => {
    // 'omega' has 5 documents, 'psi' 300: both counted exactly.
    const psiDocs = Number(db.value(`SELECT count(*) FROM event_fts WHERE event_fts MATCH 'psi'`));
    expect(psiDocs).toBe(300);
    const { ours, fts5 } = scores('omega OR psi');
    expect(takeRankedQuery()?.idfDeferred).toBe(false);
    expect(ours.size).toBeGreaterThan(5);
    for (const [key, score] of fts5) expect(ours.get(key)).toBeCloseTo(score, 9);
  });

  test('orders common words as bm25() does, with IDFs estimated close to the true ones', () => {
    const alphaDocs = Number(db.value(`SELECT count(*) FROM event_fts WHERE event_fts MATCH 'alpha'`));
    expect(alphaDocs).toBeGreaterThan(1024);
    // 'alpha OR psi': alpha's documents estimated, psi's counted. Scores differ from bm25() only
    // through alpha's IDF, so documents with psi and without it keep their order among themselves.
    const { ours, fts5 } = scores('alpha OR psi');
    const withoutPsi = (byKey: Map<number, number>) =>
      new Map([...byKey].filter(([key]) => key % 20 !== 0 || key > 6000));
    expect(ranking(withoutPsi(ours))).toEqual(ranking(withoutPsi(fts5)));
    // Among documents with alpha and no psi the score is alpha's IDF times the same factor.
    const ratios = [...withoutPsi(fts5)].map(([key, score]) => ours.get(key)! / score);
    for (const ratio of ratios) expect(ratio).toBeCloseTo(ratios[0]!, 9);
    expect(Math.abs(ratios[0]! - 1)).toBeLessThan(0.1);
  });

  test('ranks prefix phrases, and a phrase of several words', () => {
    for (const match of ['alp*', 'ep*', '"alpha beta"', 'alpha AND omega']) {
      const { ours, fts5 } = scores(match);
      expect(ours.size, match).toBe(fts5.size);
      expect(ours.size, match).toBeGreaterThan(0);
      for (const score of ours.values()) expect(score, match).toBeGreaterThan(0);
    }
  });
});

describe('search without threadkeep_bm25', () => {
  test('ranks with bm25() where the function cannot be added: same hits, same scores', async () => {
    const { migrate } = await import('../../src/core/schema.js');
    const { indexPending } = await import('../../src/core/indexer.js');
    const { searchEvents } = await import('../../src/core/search-events.js');
    const sqlite3 = await sqlite3InitModule();
    const raw = new sqlite3.oo1.DB(':memory:', 'c');
    const withRanking = new Database(sqlite3, raw);
    migrate(withRanking, 0);
    // The same connection seen through an SQLite whose wasm reports 8-byte pointers: the member
    // offsets of rank.ts do not apply, so it must fall back.
    const wasm64 = new Proxy(sqlite3.wasm, {
      get: (target, key) =>
        key === 'ptr' ? { ...(target as unknown as { ptr: object }).ptr, size: 8 } : Reflect.get(target, key),
    });
    const fallback = new Database(
      new Proxy(sqlite3, { get: (target, key) => (key === 'wasm' ? wasm64 : Reflect.get(target, key)) }),
      raw,
    );
    raw.exec(`INSERT INTO sessions (key, id, created_at, updated_at) VALUES (1, 's', 0, 0)`);
    for (let seq = 1; seq <= 300; seq++) {
      const text = `${document(seq)}${seq % 7 === 0 ? ' omega' : ''}${seq % 11 === 0 ? ' omega quartz' : ''}`;
      withRanking.run(
        `INSERT INTO events (key, id, session_key, seq, kind, role, content, created_at)
         VALUES (?, ?, 1, ?, 'message', 'user', ?, 0)`,
        [seq, `e${seq}`, seq, JSON.stringify(text)],
      );
      withRanking.run('INSERT INTO index_queue (event_key) VALUES (?)', [seq]);
    }
    indexPending(withRanking, 1000);
    expect(hasRanking(withRanking)).toBe(true);
    expect(hasRanking(fallback)).toBe(false);
    for (const query of ['omega', 'omega quartz', 'quartz', 'qua']) {
      const q = { query, syntax: 'plain' as const, limit: 200, offset: 0 };
      const ours = searchEvents(withRanking, q);
      const theirs = searchEvents(fallback, q);
      expect(ours.length, query).toBeGreaterThan(0);
      expect(ours.map((hit) => hit.event.seq).sort(), query).toEqual(
        theirs.map((hit) => hit.event.seq).sort(),
      );
      const score = new Map(theirs.map((hit) => [hit.event.seq, hit.score]));
      for (const hit of ours)
        expect(hit.score, `${query} #${hit.event.seq}`).toBeCloseTo(score.get(hit.event.seq)!, 9);
    }
  });
});

import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { expect, test } from 'vitest';

test('SQLite opens in a Chromium page and runs FTS5', async () => {
  const sqlite3 = await sqlite3InitModule();
  const db = new sqlite3.oo1.DB(':memory:', 'c');
  db.exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61 remove_diacritics 2')");
  db.exec({ sql: 'INSERT INTO t(body) VALUES (?)', bind: ['Crème brûlée'] });
  expect(db.selectValue("SELECT count(*) FROM t WHERE t MATCH 'creme'")).toBe(1);
  expect(sqlite3.version.libVersion).toBe('3.54.1');
  db.close();
});

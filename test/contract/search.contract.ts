import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/types.js';
import { type ContractTarget, rejectsWith, uniqueName } from './target.js';

export function searchContract(target: ContractTarget): void {
  describe(`search [${target.label}]`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await target.open({ name: uniqueName('search') });
    });
    afterEach(async () => {
      await store.close();
    });

    const ids = (hits: { event: { content: unknown } }[]) => hits.map((h) => h.event.content);

    it('matches words case- and accent-insensitively, all words, last one as a prefix', async () => {
      await store.events.append('s', [
        { role: 'user', content: 'Crème brûlée recipe' },
        { role: 'assistant', content: 'The database index is ready' },
        { role: 'user', content: 'database migration plan' },
      ]);
      expect(ids(await store.search('creme BRULEE'))).toEqual(['Crème brûlée recipe']);
      expect(ids(await store.search('datab'))).toHaveLength(2);
      expect(ids(await store.search('database ind'))).toEqual(['The database index is ready']);
      expect(await store.search('dat index')).toEqual([]);
      expect(await store.search('')).toEqual([]);
      expect(await store.search('   ')).toEqual([]);
    });

    it('scores hits with BM25 computed from the documents, best first', async () => {
      // Words from a small vocabulary; 'omega' and 'quartz' in known documents.
      const vocabulary = ['alpha', 'beta', 'gamma', 'delta', 'kappa', 'lambda', 'sigma'];
      const texts: string[] = [];
      for (let i = 0; i < 60; i++) {
        const words: string[] = [];
        for (let w = 0; w < 4 + (i % 7); w++) words.push(vocabulary[(i * 3 + w * 5) % vocabulary.length]!);
        if (i % 6 === 0) words.push('omega');
        if (i % 12 === 0) words.push('omega', 'quartz');
        if (i % 5 === 0) words.push('quartz');
        texts.push(words.join(' '));
      }
      await store.events.append(
        's',
        texts.map((content) => ({ role: 'user' as const, content })),
      );
      const documents = texts.map((text) => text.split(' '));
      const averageLength = documents.reduce((sum, d) => sum + d.length, 0) / documents.length;
      const bm25 = (terms: string[], d: string[]) => {
        let score = 0;
        for (const term of terms) {
          const n = documents.filter((other) => other.includes(term)).length;
          const idf = Math.max(1e-6, Math.log((documents.length - n + 0.5) / (n + 0.5)));
          const f = d.filter((word) => word === term).length;
          score += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * d.length) / averageLength));
        }
        return score;
      };
      for (const terms of [['omega'], ['quartz'], ['omega', 'quartz']]) {
        const hits = await store.search(terms.join(' '), { limit: 200 });
        const matching = documents.filter((d) => terms.every((term) => d.includes(term)));
        expect(hits.length, terms.join(' ')).toBe(matching.length);
        for (const hit of hits) {
          expect(hit.score, `${terms.join(' ')}: ${hit.event.content}`).toBeCloseTo(
            bm25(terms, documents[hit.event.seq - 1]!),
            9,
          );
        }
        const scores = hits.map((hit) => hit.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      }
    });

    it('treats quotes, operators and punctuation as text and never rejects plain queries', async () => {
      await store.events.append('s', {
        content: 'use AND or NOT near "quotes" (parens) c++ x-ray body:field',
      });
      for (const q of [
        'AND',
        'NOT near',
        '"quotes',
        '(parens',
        'c++',
        'x-ray',
        'body:field',
        '*',
        '^',
        '"',
        ')(',
        'NEAR(',
      ]) {
        await expect(store.search(q)).resolves.toBeInstanceOf(Array);
      }
      expect(ids(await store.search('"quotes" AND'))).toHaveLength(1);
      expect(ids(await store.search('x-ray'))).toHaveLength(1);
    });

    it('finds Chinese, Japanese and Korean by any substring of two or more characters', async () => {
      await store.events.append('s', [
        { content: '我们的数据库索引很快' },
        { content: 'データベースの検索機能' },
        { content: '한국어 검색 엔진입니다' },
        { content: 'SQLite数据库' },
      ]);
      expect(ids(await store.search('数据'))).toEqual(
        expect.arrayContaining(['我们的数据库索引很快', 'SQLite数据库']),
      );
      expect(ids(await store.search('索引'))).toEqual(['我们的数据库索引很快']);
      expect(ids(await store.search('库索引很'))).toEqual(['我们的数据库索引很快']);
      expect(ids(await store.search('検索'))).toEqual(['データベースの検索機能']);
      expect(ids(await store.search('データ'))).toEqual(['データベースの検索機能']);
      expect(ids(await store.search('검색'))).toEqual(['한국어 검색 엔진입니다']);
      expect(ids(await store.search('sqlite'))).toEqual(['SQLite数据库']);
    });

    it('indexes tool-call names and arguments and structured content', async () => {
      await store.events.append('s', [
        {
          role: 'assistant',
          toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Reykjavik' } }],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'structured zebra' }] },
      ]);
      expect((await store.search('reykjavik')).length).toBe(1);
      expect((await store.search('get_weather')).length).toBe(1);
      expect(ids(await store.search('zebra'))).toEqual([[{ type: 'text', text: 'structured zebra' }]]);
    });

    it('ranks by BM25 with higher scores first and filters by session, kind and role', async () => {
      await store.events.append('a', [
        { role: 'user', content: 'apple' },
        { role: 'assistant', content: 'apple apple apple banana', kind: 'note' },
      ]);
      await store.events.append('b', {
        role: 'user',
        content: 'apple pie with a long tail of other words here',
      });
      const hits = await store.search('apple');
      expect(hits).toHaveLength(3);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      expect(hits[0]!.event.content).toBe('apple apple apple banana');
      expect((await store.search('apple', { sessionId: 'b' })).map((h) => h.event.sessionId)).toEqual(['b']);
      expect((await store.search('apple', { kinds: ['note'] })).length).toBe(1);
      expect((await store.search('apple', { roles: ['user'] })).length).toBe(2);
      expect((await store.search('apple', { limit: 1, offset: 1 })).length).toBe(1);
      await rejectsWith(target, () => store.search('apple', { limit: 201 }), 'INVALID_ARGUMENT');
    });

    it('builds plain-text snippets with highlight ranges into the snippet', async () => {
      const text = `${'lorem ipsum '.repeat(40)}the <b>needle</b> is here ${'dolor sit '.repeat(40)}`;
      await store.events.append('s', { content: text });
      const [hit] = await store.search('needle');
      expect(hit!.snippet.startsWith('…')).toBe(true);
      expect(hit!.snippet.endsWith('…')).toBe(true);
      expect(hit!.snippet).toContain('<b>needle</b>');
      expect(hit!.highlights.length).toBeGreaterThan(0);
      for (const [s, e] of hit!.highlights) expect(hit!.snippet.slice(s, e).toLowerCase()).toBe('needle');
    });

    it('passes fts5 syntax through and rejects invalid fts5 with INVALID_QUERY', async () => {
      await store.events.append('s', [{ content: 'alpha beta' }, { content: 'alpha gamma' }]);
      expect(ids(await store.search('alpha NOT gamma', { syntax: 'fts5' }))).toEqual(['alpha beta']);
      expect(ids(await store.search('beta OR gamma', { syntax: 'fts5' }))).toHaveLength(2);
      await rejectsWith(target, () => store.search('alpha AND (', { syntax: 'fts5' }), 'INVALID_QUERY');
      expect(ids(await store.search('alpha'))).toHaveLength(2);
    });

    it('sees every committed write, even before idle indexing ran', async () => {
      for (let i = 0; i < 20; i++) {
        await store.events.append('s', { content: `fresh${i} token` });
        expect((await store.search(`fresh${i}`)).length).toBe(1);
      }
    });
  });
}

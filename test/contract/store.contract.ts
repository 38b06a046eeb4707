import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Change, Store } from '../../src/core/types.js';
import { type ContractTarget, rejectsWith, uniqueName } from './target.js';

/** Changes, info, export/import, close, and durability across reopen. */
export function storeContract(target: ContractTarget): void {
  describe(`store [${target.label}]`, () => {
    let store: Store;
    let name: string;
    beforeEach(async () => {
      name = uniqueName('store');
      store = await target.open({ name });
    });
    afterEach(async () => {
      await store.close();
    });

    it('tells listeners every change after commit, in order, one per kind', async () => {
      const seen: Change[] = [];
      const filtered: Change[] = [];
      const off = store.subscribe((c) => seen.push(c));
      store.subscribe((c) => filtered.push(c), { sessionId: 'b' });
      const [e1, e2] = await store.events.append('a', [{ content: 1 }, { content: 2 }]);
      await store.events.append('b', { content: 3 });
      await store.sessions.update('a', { title: 't' });
      await store.events.truncate('a', { keepLast: 1 });
      const art = await store.artifacts.put({ data: 'x', sessionId: 'a' });
      await store.events.append('a', { requestId: 'r' });
      await store.events.append('a', { requestId: 'r' });
      expect(seen).toEqual([
        { kind: 'session', op: 'create', sessionId: 'a', ids: ['a'], revision: 0 },
        { kind: 'event', op: 'create', sessionId: 'a', ids: [e1!.id, e2!.id], revision: 1 },
        { kind: 'session', op: 'create', sessionId: 'b', ids: ['b'], revision: 0 },
        expect.objectContaining({ kind: 'event', op: 'create', sessionId: 'b', revision: 1 }),
        { kind: 'session', op: 'update', sessionId: 'a', ids: ['a'], revision: 2 },
        { kind: 'event', op: 'delete', sessionId: 'a', ids: [e1!.id], revision: 3 },
        { kind: 'artifact', op: 'create', sessionId: 'a', ids: [art.handle], revision: null },
        expect.objectContaining({ kind: 'event', op: 'create', sessionId: 'a', revision: 4 }),
      ]);
      expect(filtered.map((c) => c.kind)).toEqual(['session', 'event']);
      off();
      await store.events.append('a', { content: 'unheard' });
      expect(seen).toHaveLength(8);
      await rejectsWith(target, async () => store.subscribe('nope' as never), 'INVALID_ARGUMENT');
    });

    it('reports info', async () => {
      await store.events.append('s', [{ content: 'a' }, { content: 'b' }]);
      await store.artifacts.put({ data: 'x' });
      const info = await store.info();
      expect(info).toMatchObject({
        name,
        backend: target.backend,
        fallbackReason: null,
        durability: 'normal',
        schemaVersion: 1,
        counts: { sessions: 1, events: 2, artifacts: 1 },
      });
      expect(info.sqliteVersion).toMatch(/^3\.\d+\.\d+$/);
      expect(info.libraryVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(['leader', 'follower', 'single']).toContain(info.role);
    });

    it('exports JSONL and imports it into an empty store unchanged, twice adding nothing', async () => {
      const s = await store.sessions.create({
        id: 'x',
        title: 'T\ud800',
        summary: 'S',
        metadata: { m: [1] },
      });
      await store.events.append(s.id, [
        { role: 'user', content: 'hi', requestId: 'r1', tokens: 2 },
        { role: 'assistant', content: 'streaming', status: 'partial' },
      ]);
      await store.events.truncate(s.id, { keepLast: 1 });
      await store.artifacts.put({ data: new Uint8Array([1, 2, 3, 250]), sessionId: s.id, handle: 'bin' });
      await store.artifacts.put({ data: 'loose', handle: 'loose' });
      const blob = await store.exportJSONL();
      const text = await blob.text();
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ type: 'threadkeep', version: 1 });
      expect(lines.map((l) => l.type)).toEqual(['threadkeep', 'session', 'event', 'artifact', 'artifact']);

      const other = await target.open({ name: uniqueName('import') });
      try {
        const report = await other.importJSONL(blob);
        expect(report).toEqual({ sessions: 1, events: 1, artifacts: 2, skipped: 0, errors: [] });
        expect(await other.sessions.get('x')).toEqual(await store.sessions.get('x'));
        expect(await other.events.list('x')).toEqual(await store.events.list('x'));
        expect(await other.artifacts.get('bin')).toEqual(new Uint8Array([1, 2, 3, 250]));
        expect(await other.artifacts.ref('bin')).toEqual(await store.artifacts.ref('bin'));
        const again = await other.importJSONL(text);
        expect(again).toEqual({ sessions: 0, events: 0, artifacts: 0, skipped: 4, errors: [] });
        const [next] = await other.events.append('x', { content: 'next' });
        expect(next!.seq).toBe(3);
      } finally {
        await other.close();
      }
    });

    it('reports malformed import lines by number and imports the rest', async () => {
      const jsonl = [
        JSON.stringify({ type: 'threadkeep', version: 1, exportedAt: 1 }),
        '{not json',
        JSON.stringify({
          type: 'session',
          id: 'i',
          title: null,
          summary: null,
          metadata: {},
          createdAt: 1,
          updatedAt: 1,
        }),
        JSON.stringify({ type: 'event', id: 'e1', sessionId: 'i', seq: 1, content: 'ok', createdAt: 1 }),
        JSON.stringify({
          type: 'event',
          id: 'e2',
          sessionId: 'nope',
          seq: 1,
          content: 'orphan',
          createdAt: 1,
        }),
        JSON.stringify({ type: 'mystery' }),
      ].join('\n');
      const report = await store.importJSONL(jsonl);
      expect(report.sessions).toBe(1);
      expect(report.events).toBe(1);
      expect(report.errors).toHaveLength(3);
      expect(report.errors[0]).toMatch(/^line 2:/);
      expect(report.errors[1]).toMatch(/^line 5:/);
      expect(report.errors[2]).toMatch(/^line 6:/);
      expect((await store.sessions.get('i'))!).toMatchObject({ eventCount: 1, lastSeq: 1 });
      expect((await store.search('ok')).length).toBe(1);
    });

    it('exports a consistent SQLite database file', async () => {
      await store.events.append('s', { content: 'in the file' });
      const bytes = await store.exportDatabase();
      expect(new TextDecoder().decode(bytes.subarray(0, 15))).toBe('SQLite format 3');
      expect(bytes.length % 512).toBe(0);
    });

    it('close is idempotent and later calls reject with CLOSED', async () => {
      const s = await target.open({ name: uniqueName('closing') });
      await s.close();
      await s.close();
      await rejectsWith(target, () => s.sessions.list(), 'CLOSED');
      await rejectsWith(target, () => s.events.append('x', {}), 'CLOSED');
      const t = await target.open({ name: uniqueName('dispose') });
      await t[Symbol.asyncDispose]();
      await rejectsWith(target, () => t.info(), 'CLOSED');
    });

    it.runIf(target.durable)('keeps data across close and reopen', async () => {
      const n = uniqueName('durable');
      const a = await target.open({ name: n });
      await a.events.append('s', [{ content: 'persisted words' }, { content: 'second' }]);
      await a.artifacts.put({ data: 'bytes', handle: 'h' });
      await a.close();
      const b = await target.open({ name: n });
      try {
        expect((await b.events.list('s')).map((e) => e.content)).toEqual(['persisted words', 'second']);
        expect(await b.artifacts.text('h')).toBe('bytes');
        expect((await b.search('persisted')).length).toBe(1);
      } finally {
        await b.close();
        await target.remove(n);
      }
    });

    it('rejects a bad store name', async () => {
      await rejectsWith(target, () => target.open({ name: 'bad name!' }), 'INVALID_ARGUMENT');
      await rejectsWith(target, () => target.open({ name: '' }), 'INVALID_ARGUMENT');
      await rejectsWith(target, () => target.open({ name: 'x'.repeat(65) }), 'INVALID_ARGUMENT');
    });
  });
}

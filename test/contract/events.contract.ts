import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/types.js';
import { type ContractTarget, rejectsWith, uniqueName } from './target.js';

export function eventsContract(target: ContractTarget): void {
  describe(`events [${target.label}]`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await target.open({ name: uniqueName('events') });
    });
    afterEach(async () => {
      await store.close();
    });

    it('appends with consecutive seqs, defaults, and creates the session', async () => {
      const before = Date.now();
      const stored = await store.events.append('s1', [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: [{ type: 'text', text: 'hi' }], tokens: 3, metadata: { model: 'm' } },
      ]);
      expect(stored.map((e) => e.seq)).toEqual([1, 2]);
      expect(stored[0]).toMatchObject({
        sessionId: 's1',
        kind: 'message',
        role: 'user',
        content: 'hello',
        toolCalls: [],
        toolCallId: null,
        parentId: null,
        requestId: null,
        tokens: 0,
        metadata: {},
        artifacts: [],
        status: 'complete',
      });
      expect(stored[0]!.createdAt).toBeGreaterThanOrEqual(before);
      expect(await store.events.get(stored[1]!.id)).toEqual(stored[1]);
      const s = (await store.sessions.get('s1'))!;
      expect(s).toMatchObject({ eventCount: 2, tokenCount: 3, lastSeq: 2, revision: 1 });
      const one = await store.events.append('s1', { role: 'user', content: 'single' });
      expect(one).toHaveLength(1);
      expect(one[0]!.seq).toBe(3);
    });

    it('keeps every field as given', async () => {
      const input = {
        id: 'ev-1',
        kind: 'tool_result',
        role: 'tool' as const,
        content: { nested: ['a\u0000', 1.5, true, null] },
        toolCalls: [{ id: 'c1', name: 'search', arguments: { q: 'x' } }],
        toolCallId: 'c0',
        parentId: 'p',
        requestId: 'r',
        tokens: 7,
        metadata: { k: 'v' },
        artifacts: ['art.1'],
        status: 'partial' as const,
        createdAt: 1234.5,
      };
      const [e] = await store.events.append('s', input);
      expect(e).toEqual({ ...input, sessionId: 's', seq: 1 });
      expect(await store.events.get('ev-1')).toEqual(e);
    });

    it('createSession: false rejects for a missing session', async () => {
      await rejectsWith(
        target,
        () => store.events.append('nope', { content: 'x' }, { createSession: false }),
        'NOT_FOUND',
      );
      expect(await store.sessions.get('nope')).toBeUndefined();
    });

    it('rejects the whole batch on a duplicate id', async () => {
      await store.events.append('s', { id: 'x', content: 'first' });
      await rejectsWith(
        target,
        () => store.events.append('s', [{ content: 'a' }, { id: 'x', content: 'b' }]),
        'DUPLICATE_ID',
      );
      await rejectsWith(target, () => store.events.append('s', [{ id: 'y' }, { id: 'y' }]), 'DUPLICATE_ID');
      await rejectsWith(target, () => store.events.append('other', [{ id: 'x' }]), 'DUPLICATE_ID');
      expect((await store.events.list('s')).map((e) => e.content)).toEqual(['first']);
      expect(await store.sessions.get('other')).toBeUndefined();
      expect((await store.sessions.get('s'))!.revision).toBe(1);
    });

    it('treats a known requestId as an idempotent retry', async () => {
      const [a] = await store.events.append('s', { id: 'a', requestId: 'r1', content: 'one' });
      const again = await store.events.append('s', { id: 'a', requestId: 'r1', content: 'changed' });
      expect(again).toEqual([a]);
      const mixed = await store.events.append('s', [
        { requestId: 'r1', content: 'retry' },
        { requestId: 'r2', content: 'two' },
        { requestId: 'r2', content: 'two again' },
      ]);
      expect(mixed[0]).toEqual(a);
      expect(mixed[1]!.seq).toBe(2);
      expect(mixed[2]).toEqual(mixed[1]);
      const s = (await store.sessions.get('s'))!;
      expect(s).toMatchObject({ eventCount: 2, lastSeq: 2, revision: 2 });
      const onlyRetries = await store.events.append('s', [{ requestId: 'r1' }, { requestId: 'r2' }], {
        expectedRevision: 0,
      });
      expect(onlyRetries.map((e) => e.seq)).toEqual([1, 2]);
      expect((await store.sessions.get('s'))!.revision).toBe(2);
      const [other] = await store.events.append('t', { requestId: 'r1', content: 'other session' });
      expect(other!.seq).toBe(1);
    });

    it('checks expectedRevision on append', async () => {
      await store.events.append('s', { content: 'a' }, { expectedRevision: 0 });
      await rejectsWith(
        target,
        () => store.events.append('s', { content: 'b' }, { expectedRevision: 0 }),
        'REVISION_CONFLICT',
      );
      await store.events.append('s', { content: 'b' }, { expectedRevision: 1 });
      expect((await store.events.list('s')).map((e) => e.content)).toEqual(['a', 'b']);
    });

    it('lists with seq bounds, filters, order and limit; tail returns the last n ascending', async () => {
      const inputs = Array.from({ length: 10 }, (_, i) => ({
        kind: i % 2 ? 'note' : 'message',
        role: (i % 3 ? 'user' : 'assistant') as 'user' | 'assistant',
        content: `e${i + 1}`,
      }));
      await store.events.append('s', inputs);
      const seqs = (es: { seq: number }[]) => es.map((e) => e.seq);
      expect(seqs(await store.events.list('s'))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(seqs(await store.events.list('s', { afterSeq: 3, beforeSeq: 7 }))).toEqual([4, 5, 6]);
      expect(seqs(await store.events.list('s', { kinds: ['note'] }))).toEqual([2, 4, 6, 8, 10]);
      expect(seqs(await store.events.list('s', { roles: ['assistant'] }))).toEqual([1, 4, 7, 10]);
      expect(seqs(await store.events.list('s', { order: 'desc', limit: 3 }))).toEqual([10, 9, 8]);
      expect(seqs(await store.events.list('s', { beforeSeq: 5, order: 'desc', limit: 2 }))).toEqual([4, 3]);
      expect(seqs(await store.events.tail('s', 3))).toEqual([8, 9, 10]);
      expect(seqs(await store.events.tail('s', 50))).toHaveLength(10);
      expect(await store.events.tail('missing', 5)).toEqual([]);
      expect(await store.events.list('missing')).toEqual([]);
      await rejectsWith(target, () => store.events.list('s', { limit: 10_001 }), 'INVALID_ARGUMENT');
      await rejectsWith(target, () => store.events.list('s', { limit: 1.5 }), 'INVALID_ARGUMENT');
      await rejectsWith(target, () => store.events.tail('s', -1), 'INVALID_ARGUMENT');
    });

    it('list defaults to 100 ascending', async () => {
      await store.events.append(
        's',
        Array.from({ length: 120 }, (_, i) => ({ content: i })),
      );
      const list = await store.events.list('s');
      expect(list).toHaveLength(100);
      expect(list[0]!.seq).toBe(1);
    });

    it('patches only partial events, adjusting tokens and revision', async () => {
      const [p] = await store.events.append('s', { role: 'assistant', content: '', status: 'partial' });
      let e = await store.events.patch(p!.id, { content: 'Hel', tokens: 1 });
      e = await store.events.patch(p!.id, { content: 'Hello', tokens: 2, metadata: { done: false } });
      expect(e).toMatchObject({ content: 'Hello', tokens: 2, metadata: { done: false }, status: 'partial' });
      expect(await store.search('hello')).toEqual([]);
      e = await store.events.patch(p!.id, { status: 'complete' });
      expect(e).toMatchObject({ content: 'Hello', status: 'complete' });
      expect(await store.events.get(p!.id)).toEqual(e);
      expect((await store.sessions.get('s'))!).toMatchObject({ tokenCount: 2, revision: 4 });
      await rejectsWith(target, () => store.events.patch(p!.id, { content: 'x' }), 'IMMUTABLE_EVENT');
      await rejectsWith(target, () => store.events.patch('missing', { content: 'x' }), 'NOT_FOUND');
      expect((await store.search('hello')).map((h) => h.event.id)).toEqual([p!.id]);
    });

    it('truncates all but the last n and keeps lastSeq', async () => {
      await store.events.append(
        's',
        [1, 2, 3, 4, 5].map((n) => ({ content: `word${n}`, tokens: n })),
      );
      expect(await store.events.truncate('s', { keepLast: 2 })).toBe(3);
      expect((await store.events.list('s')).map((e) => e.seq)).toEqual([4, 5]);
      expect((await store.sessions.get('s'))!).toMatchObject({
        eventCount: 2,
        tokenCount: 9,
        lastSeq: 5,
        revision: 2,
      });
      expect(await store.events.truncate('s', { keepLast: 5 })).toBe(0);
      const [next] = await store.events.append('s', { content: 'after' });
      expect(next!.seq).toBe(6);
      expect(await store.search('word1')).toEqual([]);
      expect(await store.events.truncate('s', { keepLast: 0 })).toBe(3);
      expect((await store.sessions.get('s'))!).toMatchObject({ eventCount: 0, tokenCount: 0, lastSeq: 6 });
    });

    it('replaces the transcript atomically with seqs after the old lastSeq', async () => {
      await store.events.append('s', [
        { content: 'old1', tokens: 1 },
        { content: 'old2', tokens: 1 },
      ]);
      const rev = (await store.sessions.get('s'))!.revision;
      const fresh = await store.events.replace('s', [{ content: 'summary', tokens: 5 }], {
        expectedRevision: rev,
      });
      expect(fresh.map((e) => e.seq)).toEqual([3]);
      expect((await store.events.list('s')).map((e) => e.content)).toEqual(['summary']);
      expect((await store.sessions.get('s'))!).toMatchObject({
        eventCount: 1,
        tokenCount: 5,
        lastSeq: 3,
        revision: rev + 1,
      });
      await rejectsWith(
        target,
        () => store.events.replace('s', [{ content: 'x' }], { expectedRevision: rev }),
        'REVISION_CONFLICT',
      );
      await rejectsWith(
        target,
        () => store.events.replace('s', [{ id: 'd' }, { id: 'd' }], { expectedRevision: rev + 1 }),
        'DUPLICATE_ID',
      );
      expect((await store.events.list('s')).map((e) => e.content)).toEqual(['summary']);
      expect(await store.search('old1')).toEqual([]);
    });

    it('keeps seqs gap-free and increasing across many appends', async () => {
      for (let i = 0; i < 30; i++)
        await store.events.append(
          's',
          Array.from({ length: (i % 4) + 1 }, () => ({})),
        );
      const all = await store.events.list('s', { limit: 1000 });
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    });
  });
}

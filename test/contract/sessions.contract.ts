import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/types.js';
import { type ContractTarget, rejectsWith, uniqueName } from './target.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function sessionsContract(target: ContractTarget): void {
  describe(`sessions [${target.label}]`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await target.open({ name: uniqueName('sessions') });
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates a session with defaults and a time-sortable id', async () => {
      const before = Date.now();
      const s = await store.sessions.create();
      expect(s.id).toMatch(UUID_V7);
      expect(s).toMatchObject({
        title: null,
        summary: null,
        metadata: {},
        eventCount: 0,
        tokenCount: 0,
        lastSeq: 0,
        revision: 0,
      });
      expect(s.createdAt).toBeGreaterThanOrEqual(before);
      expect(s.updatedAt).toBe(s.createdAt);
      const ids = [];
      for (let i = 0; i < 20; i++) ids.push((await store.sessions.create()).id);
      expect([...ids].sort()).toEqual(ids);
      expect(await store.sessions.get(s.id)).toEqual(s);
    });

    it('keeps given fields, NUL and lone surrogates included', async () => {
      const title = 'a\u0000b \ud800 title';
      const s = await store.sessions.create({
        id: 'chat-1',
        title,
        summary: 'sum',
        metadata: { a: [1, { b: null }] },
      });
      expect(await store.sessions.get('chat-1')).toEqual(s);
      expect(s.title).toBe(title);
      expect(s.metadata).toEqual({ a: [1, { b: null }] });
    });

    it('rejects a duplicate id and keeps the first session', async () => {
      const s = await store.sessions.create({ id: 'dup', title: 'first' });
      const err = await rejectsWith(
        target,
        () => store.sessions.create({ id: 'dup', title: 'second' }),
        'DUPLICATE_ID',
      );
      expect(err.message).toContain('"dup"');
      expect(await store.sessions.get('dup')).toEqual(s);
    });

    it('get of a missing id is undefined', async () => {
      expect(await store.sessions.get('nope')).toBeUndefined();
    });

    it('lists by updatedAt descending then id, with limit, offset and time filters', async () => {
      const a = await store.sessions.create({ id: 'a' });
      const b = await store.sessions.create({ id: 'b' });
      await new Promise((r) => setTimeout(r, 5));
      await store.events.append('a', { role: 'user', content: 'hi' });
      const list = await store.sessions.list();
      expect(list.map((s) => s.id)).toEqual(['a', 'b']);
      expect((await store.sessions.list({ limit: 1, offset: 1 })).map((s) => s.id)).toEqual(['b']);
      const updated = (await store.sessions.get('a'))!;
      expect((await store.sessions.list({ updatedAfter: b.updatedAt })).map((s) => s.id)).toEqual(['a']);
      expect(await store.sessions.list({ updatedAfter: updated.updatedAt })).toEqual([]);
      expect((await store.sessions.list({ createdAfter: a.createdAt - 1 })).length).toBe(2);
      await rejectsWith(target, () => store.sessions.list({ limit: 1001 }), 'INVALID_ARGUMENT');
      expect((await store.sessions.list({ limit: 1000 })).length).toBe(2);
    });

    it('list defaults to 50', async () => {
      for (let i = 0; i < 55; i++) await store.sessions.create();
      expect((await store.sessions.list()).length).toBe(50);
    });

    it('updates fields, bumps revision and updatedAt, clears with null', async () => {
      const s = await store.sessions.create({ title: 't', summary: 's', metadata: { x: 1 } });
      await new Promise((r) => setTimeout(r, 2));
      const u = await store.sessions.update(s.id, { title: 'new', summary: null, metadata: { y: 2 } });
      expect(u).toMatchObject({ title: 'new', summary: null, metadata: { y: 2 }, revision: 1 });
      expect(u.updatedAt).toBeGreaterThan(s.updatedAt);
      expect(await store.sessions.get(s.id)).toEqual(u);
      await rejectsWith(
        target,
        () => store.sessions.update(s.id, { title: 'x', expectedRevision: 0 }),
        'REVISION_CONFLICT',
      );
      expect(await store.sessions.get(s.id)).toEqual(u);
      const v = await store.sessions.update(s.id, { title: 'x', expectedRevision: 1 });
      expect(v.revision).toBe(2);
      await rejectsWith(target, () => store.sessions.update('missing', { title: 'x' }), 'NOT_FOUND');
    });

    it('deletes a session with its events and artifacts', async () => {
      await store.events.append('gone', [{ role: 'user', content: 'findme unique' }]);
      const art = await store.artifacts.put({ data: 'x', sessionId: 'gone' });
      const loose = await store.artifacts.put({ data: 'y' });
      const [kept] = await store.events.append('kept', [{ role: 'user', content: 'findme too' }]);
      expect(await store.sessions.delete('gone')).toBe(true);
      expect(await store.sessions.delete('gone')).toBe(false);
      expect(await store.sessions.get('gone')).toBeUndefined();
      expect(await store.events.list('gone')).toEqual([]);
      expect(await store.artifacts.ref(art.handle)).toBeUndefined();
      expect(await store.artifacts.ref(loose.handle)).toEqual(loose);
      const hits = await store.search('findme');
      expect(hits.map((h) => h.event.id)).toEqual([kept!.id]);
      expect((await store.info()).counts).toEqual({ sessions: 1, events: 1, artifacts: 1 });
    });

    it('forks a transcript through a seq with new ids and forkedFrom', async () => {
      const src = await store.sessions.create({ title: 'src', metadata: { m: 1 } });
      const stored = await store.events.append(src.id, [
        { role: 'user', content: 'one', tokens: 1 },
        { role: 'assistant', content: 'two', tokens: 2 },
        { role: 'user', content: 'three', tokens: 4 },
      ]);
      const fork = await store.sessions.fork(src.id, { throughSeq: 2, title: 'edited' });
      expect(fork.id).not.toBe(src.id);
      expect(fork).toMatchObject({ title: 'edited', eventCount: 2, tokenCount: 3, lastSeq: 2 });
      expect(fork.metadata).toEqual({ m: 1, forkedFrom: { sessionId: src.id, seq: 2 } });
      const events = await store.events.list(fork.id);
      expect(events.map((e) => [e.seq, e.content])).toEqual([
        [1, 'one'],
        [2, 'two'],
      ]);
      expect(events.map((e) => e.id)).not.toContain(stored[0]!.id);
      const whole = await store.sessions.fork(src.id, { id: 'whole' });
      expect(whole).toMatchObject({ id: 'whole', title: 'src', eventCount: 3, lastSeq: 3 });
      expect((await store.events.list(src.id)).map((e) => e.id)).toEqual(stored.map((e) => e.id));
      await rejectsWith(target, () => store.sessions.fork('missing'), 'NOT_FOUND');
      await rejectsWith(target, () => store.sessions.fork(src.id, { id: 'whole' }), 'DUPLICATE_ID');
      const forkHits = await store.search('two', { sessionId: fork.id });
      expect(forkHits.map((h) => h.event.sessionId)).toEqual([fork.id]);
    });

    it('fork keeps parent links inside the copy', async () => {
      const [q] = await store.events.append('p', [{ role: 'user', content: 'q' }]);
      await store.events.append('p', [{ role: 'assistant', content: 'a', parentId: q!.id }]);
      const fork = await store.sessions.fork('p');
      const [fq, fa] = await store.events.list(fork.id);
      expect(fa!.parentId).toBe(fq!.id);
    });
  });
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/types.js';
import { type ContractTarget, rejectsWith, uniqueName } from './target.js';

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function artifactsContract(target: ContractTarget): void {
  describe(`artifacts [${target.label}]`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await target.open({ name: uniqueName('artifacts') });
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores strings as UTF-8 and bytes as octet-stream, with sha256 and size', async () => {
      const text = 'héllo wörld 数据';
      const ref = await store.artifacts.put({
        data: text,
        name: 'greeting.txt',
        sessionId: 's',
        metadata: { a: 1 },
      });
      const bytes = new TextEncoder().encode(text);
      expect(ref).toMatchObject({
        name: 'greeting.txt',
        mime: 'text/plain;charset=utf-8',
        size: bytes.length,
        sha256: await sha256(bytes),
        sessionId: 's',
        eventId: null,
        metadata: { a: 1 },
      });
      expect(await store.artifacts.text(ref.handle)).toBe(text);
      expect(await store.artifacts.get(ref.handle)).toEqual(bytes);
      expect(await store.artifacts.ref(ref.handle)).toEqual(ref);
      const bin = await store.artifacts.put({ data: new Uint8Array([0, 1, 2, 255]), handle: 'bin.dat' });
      expect(bin).toMatchObject({ handle: 'bin.dat', mime: 'application/octet-stream', size: 4 });
      const buf = await store.artifacts.put({ data: new Uint8Array([9, 9]).buffer });
      expect(await store.artifacts.get(buf.handle)).toEqual(new Uint8Array([9, 9]));
      const blob = await store.artifacts.put({ data: new Blob(['{"a":1}'], { type: 'application/json' }) });
      expect(blob.mime).toBe('application/json');
      const empty = await store.artifacts.put({ data: '' });
      expect(await store.artifacts.text(empty.handle)).toBe('');
    });

    it('round-trips several MB across chunk boundaries', async () => {
      const data = new Uint8Array(3 * 256 * 1024 + 17);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      const ref = await store.artifacts.put({ data });
      expect(ref.size).toBe(data.length);
      const back = (await store.artifacts.get(ref.handle))!;
      expect(back.length).toBe(data.length);
      expect(back.findIndex((b, i) => b !== data[i])).toBe(-1);
      expect(ref.sha256).toBe(await sha256(data));
    });

    it('checks handles in every method and rejects a handle in use', async () => {
      for (const bad of ['', '.', '..', '../x', 'a/b', 'a\u0000', '-x', 'x'.repeat(129), 'a b']) {
        await rejectsWith(target, () => store.artifacts.put({ data: 'x', handle: bad }), 'INVALID_ARGUMENT');
        await rejectsWith(target, () => store.artifacts.get(bad), 'INVALID_ARGUMENT');
        await rejectsWith(target, () => store.artifacts.text(bad), 'INVALID_ARGUMENT');
        await rejectsWith(target, () => store.artifacts.ref(bad), 'INVALID_ARGUMENT');
        await rejectsWith(target, () => store.artifacts.delete(bad), 'INVALID_ARGUMENT');
        await rejectsWith(target, () => store.artifacts.drilldown(bad, { head: 1 }), 'INVALID_ARGUMENT');
      }
      const err = await rejectsWith(target, () => store.artifacts.get('../x'), 'INVALID_ARGUMENT');
      expect(err.message).toContain('"../x"');
      await store.artifacts.put({ data: 'one', handle: 'h.1' });
      await rejectsWith(target, () => store.artifacts.put({ data: 'two', handle: 'h.1' }), 'DUPLICATE_ID');
      expect(await store.artifacts.text('h.1')).toBe('one');
    });

    it('lists, filters by session, and deletes', async () => {
      const a = await store.artifacts.put({ data: 'a', sessionId: 's1' });
      const b = await store.artifacts.put({ data: 'b', sessionId: 's2' });
      expect((await store.artifacts.list()).map((r) => r.handle).sort()).toEqual([a.handle, b.handle].sort());
      expect(await store.artifacts.list({ sessionId: 's1' })).toEqual([a]);
      expect(await store.artifacts.delete(a.handle)).toBe(true);
      expect(await store.artifacts.delete(a.handle)).toBe(false);
      expect(await store.artifacts.get(a.handle)).toBeUndefined();
      expect(await store.artifacts.text(a.handle)).toBeUndefined();
      expect(await store.artifacts.ref(a.handle)).toBeUndefined();
    });

    it('drills down into lines, rows and JSON keys', async () => {
      const log = await store.artifacts.put({ data: 'l0\nl1\r\nl2\nl3\n', name: 'run.log' });
      expect(await store.artifacts.drilldown(log.handle, { head: 2 })).toBe('l0\nl1');
      expect(await store.artifacts.drilldown(log.handle, { lines: [1, 3] })).toBe('l1\nl2');
      expect(await store.artifacts.drilldown(log.handle, { lines: [3, 99] })).toBe('l3');
      const csv = await store.artifacts.put({ data: 'id,name\n1,"a\nb"\n2,c\n3,d\n', mime: 'text/csv' });
      expect(await store.artifacts.drilldown(csv.handle, { rows: [1, 3] })).toBe('id,name\n2,c\n3,d');
      expect(await store.artifacts.drilldown(csv.handle, { rows: [0, 1] })).toBe('id,name\n1,"a\nb"');
      const tsv = await store.artifacts.put({ data: 'a\tb\n1\t2\n', name: 'x.tsv' });
      expect(await store.artifacts.drilldown(tsv.handle, { rows: [0, 1] })).toBe('a\tb\n1\t2');
      const json = await store.artifacts.put({ data: JSON.stringify({ a: 1, b: { c: 2, d: 3 }, e: 4 }) });
      expect(
        JSON.parse(await store.artifacts.drilldown(json.handle, { jsonKeys: ['a', 'b.c', 'zz'] })),
      ).toEqual({
        a: 1,
        b: { c: 2 },
      });
      await rejectsWith(target, () => store.artifacts.drilldown('missing', { head: 1 }), 'NOT_FOUND');
      await rejectsWith(
        target,
        () => store.artifacts.drilldown(log.handle, { bogus: 1 } as never),
        'INVALID_ARGUMENT',
      );
      await rejectsWith(
        target,
        () => store.artifacts.drilldown(log.handle, { head: -1 }),
        'INVALID_ARGUMENT',
      );
    });
  });
}

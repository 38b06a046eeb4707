/**
 * Property tests: random sequences of appends, patches, truncates, replaces, forks, updates and
 * deletes on a few sessions, each checked against a small model (support/transcript-model.ts)
 * after every step, on the memory backend and on the journaled KV backend (with close and reopen
 * in the middle). Then export → import into an empty store must give the same store back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MemoryStorage, memoryStorage } from '../../src/backends/memory-storage.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/types.js';
import { deleteStore, openStore } from '../../src/inprocess/open-store.js';
import { compareCodePoints, exportBody, snapshotStore } from './support/store-snapshot.js';
import { type Outcome, TranscriptModel } from './support/transcript-model.js';
import { artifact, FIXED_SESSIONS, type Op, steps } from './support/transcript-ops.js';

interface Backend {
  label: string;
  /** Opens a fresh store; `reopen` closes and opens it again where the backend persists. */
  open(): Promise<{ store: Store; reopen?: (store: Store) => Promise<Store>; dispose(): Promise<void> }>;
}

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

const BACKENDS: Backend[] = [
  {
    label: 'memory',
    async open() {
      const store = await openStore({ name: uniqueName('prop'), backend: 'memory' });
      return { store, dispose: () => store.close() };
    },
  },
  {
    label: 'kv',
    async open() {
      const name = uniqueName('prop');
      const storage: MemoryStorage = memoryStorage();
      const store = await openStore({ name, backend: 'kv', storage });
      return {
        store,
        reopen: async (old) => {
          await old.close();
          return openStore({ name, backend: 'kv', storage });
        },
        dispose: () => deleteStore(name, { storage }),
      };
    },
  },
];

class Harness {
  readonly model = new TranscriptModel();
  /** The highest lastSeq seen per session since it was (re)created. */
  readonly seenLastSeq = new Map<string, number>();
  constructor(
    public store: Store,
    private readonly reopenStore?: (store: Store) => Promise<Store>,
  ) {}

  sessionId(n: number): string {
    const pool = [...FIXED_SESSIONS, ...this.model.generatedSessionIds];
    return pool[n % pool.length]!;
  }

  revisionFor(id: string, which: 'right' | 'wrong' | undefined): number | undefined {
    if (which === undefined) return undefined;
    const current = this.model.sessions.get(id)?.revision ?? 0;
    return which === 'right' ? current : current + 1 + (current % 3);
  }

  /** Runs one call against its predicted outcome, then checks the whole store against the model. */
  async run<R>(label: string, outcome: Outcome<R>, call: () => Promise<R>): Promise<void> {
    if ('error' in outcome) {
      const before = await snapshotStore(this.store);
      const error = await call().then(
        (value) => new Error(`${label} resolved with ${JSON.stringify(value)}`),
        (e: unknown) => e,
      );
      expect(error, `${label} must reject with ${outcome.error}`).toBeInstanceOf(ThreadkeepError);
      expect((error as ThreadkeepError).code, (error as Error).message).toBe(outcome.error);
      expect(await snapshotStore(this.store), `${label} failed but changed the store`).toEqual(before);
    } else {
      const t0 = Date.now();
      const result = await call();
      const t1 = Date.now();
      await outcome.check(result, { store: this.store, t0, t1 });
    }
    await this.verify();
  }

  async verify(): Promise<void> {
    const { store, model } = this;
    const listed = (await store.sessions.list({ limit: 1000 })).map((s) => s.id).sort(compareCodePoints);
    expect(listed).toEqual([...model.sessions.keys()].sort(compareCodePoints));
    let events = 0;
    for (const s of model.sessions.values()) {
      const got = await store.sessions.get(s.id);
      expect(got, `session ${s.id}`).toBeDefined();
      const { createdAt, updatedAt, ...fields } = got!;
      expect(fields).toEqual(model.view(s));
      if (s.touched) {
        expect(updatedAt).toBeGreaterThanOrEqual(s.touched.t0);
        expect(updatedAt).toBeLessThanOrEqual(s.touched.t1);
        if (s.createdAt === undefined) {
          expect(createdAt).toBeGreaterThanOrEqual(s.touched.t0);
          s.createdAt = createdAt;
        }
        s.updatedAt = updatedAt;
        s.touched = undefined;
      }
      expect({ createdAt, updatedAt }).toEqual({ createdAt: s.createdAt, updatedAt: s.updatedAt });
      expect(got!.lastSeq).toBeGreaterThanOrEqual(this.seenLastSeq.get(s.id) ?? 0);
      this.seenLastSeq.set(s.id, got!.lastSeq);

      const list = await store.events.list(s.id, { limit: 10_000 });
      expect(list).toEqual(s.events);
      // Independent of the model: the seqs left are one unbroken run ending at lastSeq, since
      // truncate cuts a prefix, replace empties the log, and appends go on from lastSeq.
      const seqs = list.map((e) => e.seq);
      if (seqs.length > 0) {
        const first = got!.lastSeq - seqs.length + 1;
        expect(first).toBeGreaterThanOrEqual(1);
        expect(seqs).toEqual(seqs.map((_, i) => first + i));
      }
      events += list.length;
    }
    const info = await store.info();
    expect(info.counts).toMatchObject({ sessions: model.sessions.size, events });
  }

  async step(o: Op): Promise<void> {
    const { model } = this;
    switch (o.op) {
      case 'append': {
        const id = this.sessionId(o.s);
        const options = {
          ...(o.expected !== undefined && { expectedRevision: this.revisionFor(id, o.expected)! }),
          ...(o.createSession !== undefined && { createSession: o.createSession }),
        };
        const single = o.single && o.events.length === 1;
        const call = () =>
          single
            ? this.store.events.append(id, o.events[0]!, options)
            : this.store.events.append(id, o.events, options);
        return this.run(`append to ${id}`, model.append(id, o.events, options), call);
      }
      case 'patch': {
        const all = model.allEvents();
        const partial = all.filter((e) => e.status === 'partial');
        const pool = o.target % 3 === 0 || partial.length === 0 ? all : partial;
        const id = o.target < 0 || pool.length === 0 ? 'no-such-event' : pool[o.target % pool.length]!.id;
        const { op: _, target: __, ...patch } = o;
        return this.run(`patch ${id}`, model.patch(id, patch), () => this.store.events.patch(id, patch));
      }
      case 'truncate': {
        const id = this.sessionId(o.s);
        const outcome = model.truncate(id, o.keepLast);
        return this.run(`truncate ${id}`, outcome, () =>
          this.store.events.truncate(id, { keepLast: o.keepLast }),
        );
      }
      case 'replace': {
        const id = this.sessionId(o.s);
        const expectedRevision = this.revisionFor(id, o.expected)!;
        return this.run(`replace ${id}`, model.replace(id, o.events, expectedRevision), () =>
          this.store.events.replace(id, o.events, { expectedRevision }),
        );
      }
      case 'fork': {
        const id = this.sessionId(o.s);
        const { op: _, s: __, throughSeq, ...rest } = o;
        // Spread throughSeq over 0 … lastSeq + 1 of the source, so forks cut anywhere.
        const lastSeq = model.sessions.get(id)?.lastSeq ?? 0;
        const options = {
          ...rest,
          ...(throughSeq !== undefined && { throughSeq: throughSeq % (lastSeq + 2) }),
        };
        return this.run(`fork ${id}`, model.fork(id, options), () => this.store.sessions.fork(id, options));
      }
      case 'create': {
        const id = this.sessionId(o.s);
        const outcome = model.create(id, o.title);
        return this.run(`create ${id}`, outcome, () =>
          this.store.sessions.create({ id, ...(o.title !== undefined && { title: o.title }) }),
        );
      }
      case 'update': {
        const id = this.sessionId(o.s);
        const { op: _, s: __, expected, ...fields } = o;
        const patch = {
          ...fields,
          ...(expected !== undefined && { expectedRevision: this.revisionFor(id, expected)! }),
        };
        return this.run(`update ${id}`, model.update(id, patch), () => this.store.sessions.update(id, patch));
      }
      case 'delete': {
        const id = this.sessionId(o.s);
        await this.run(`delete ${id}`, model.delete(id), () => this.store.sessions.delete(id));
        this.seenLastSeq.delete(id);
        return;
      }
      case 'reopen': {
        if (!this.reopenStore) return;
        const before = await snapshotStore(this.store);
        const body = await exportBody(this.store);
        this.store = await this.reopenStore(this.store);
        expect(await snapshotStore(this.store), 'reopening changed the store').toEqual(before);
        expect(await exportBody(this.store)).toBe(body);
        return this.verify();
      }
    }
  }
}

describe.each(BACKENDS)('properties [$label]', (backend) => {
  it('every step matches the model: seqs, lastSeq, counts, revisions, errors, retries', async () => {
    await fc.assert(
      fc.asyncProperty(steps(24), async (ops) => {
        const opened = await backend.open();
        const h = new Harness(opened.store, opened.reopen);
        try {
          for (const o of ops) await h.step(o);
        } finally {
          await h.store.close();
          await opened.dispose();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('export then import into an empty store gives the same sessions, events and artifacts', async () => {
    await fc.assert(
      fc.asyncProperty(steps(12), fc.array(artifact, { maxLength: 4 }), async (ops, artifacts) => {
        const source = await backend.open();
        const target = await backend.open();
        const h = new Harness(source.store, source.reopen);
        try {
          for (const o of ops) await h.step(o);
          for (const a of artifacts) {
            const { session: s, ...rest } = a;
            await h.store.artifacts.put({ ...rest, ...(s !== undefined && { sessionId: h.sessionId(s) }) });
          }
          const before = await snapshotStore(h.store);
          const exported = await h.store.exportJSONL();
          const events = before.sessions.reduce((n, s) => n + s.events.length, 0);
          const report = await target.store.importJSONL(exported);
          expect(report).toEqual({
            sessions: before.sessions.length,
            events,
            artifacts: before.artifacts.length,
            skipped: 0,
            errors: [],
          });
          expect(await snapshotStore(target.store)).toEqual(before);
          expect(await exportBody(target.store)).toBe(await exportBody(h.store));

          const again = await target.store.importJSONL(await exported.text());
          expect(again).toEqual({
            sessions: 0,
            events: 0,
            artifacts: 0,
            skipped: before.sessions.length + events + before.artifacts.length,
            errors: [],
          });
          expect(await snapshotStore(target.store)).toEqual(before);
        } finally {
          await h.store.close();
          await target.store.close();
          await source.dispose();
          await target.dispose();
        }
      }),
      { numRuns: 40 },
    );
  });
});

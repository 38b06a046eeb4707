/** threadkeep as its users call it: `openStore` on the main thread, the engine in its worker. */

import type { Store } from '../../../src/core/types.js';
import { openStore } from '../../../src/index.js';
import type { BenchEvent, Query, ReadEvent } from '../data.js';
import type { SessionSeed, Target } from '../target.js';

type Backend = 'opfs' | 'indexeddb' | 'memory';

export class ThreadkeepTarget implements Target {
  readonly searchKind = 'fts' as const;
  readonly #backend: Backend;
  #store: Store | undefined;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  get store(): Store {
    if (!this.#store) throw new Error('the store is not open');
    return this.#store;
  }

  async open(name: string): Promise<void> {
    this.#store = await openStore({ name, backend: this.#backend, requestPersistence: false });
  }

  async describe(): Promise<Record<string, unknown>> {
    const info = await this.store.info();
    return { backend: info.backend, role: info.role, sqlite: info.sqliteVersion };
  }

  async appendOne(event: BenchEvent): Promise<void> {
    await this.store.events.append(event.sessionId, {
      role: event.role,
      content: event.content,
      tokens: event.tokens,
    });
  }

  async appendBatch(sessionId: string, events: readonly BenchEvent[]): Promise<void> {
    await this.store.events.append(
      sessionId,
      events.map((e) => ({ role: e.role, content: e.content, tokens: e.tokens })),
    );
  }

  async startPartial(event: BenchEvent): Promise<string> {
    const [stored] = await this.store.events.append(event.sessionId, {
      role: event.role,
      content: '',
      status: 'partial',
    });
    return stored!.id;
  }

  async patchPartial(handle: string, _event: BenchEvent, content: string): Promise<void> {
    await this.store.events.patch(handle, { content });
  }

  async completePartial(handle: string, event: BenchEvent, content: string): Promise<void> {
    await this.store.events.patch(handle, { content, tokens: event.tokens, status: 'complete' });
  }

  async readSession(sessionId: string): Promise<ReadEvent[]> {
    const out: ReadEvent[] = [];
    for (let after = 0; ; ) {
      const page = await this.store.events.list(sessionId, { afterSeq: after, limit: 10_000 });
      for (const e of page) out.push({ sessionId: e.sessionId, seq: e.seq, content: e.content as string });
      if (page.length < 10_000) return out;
      after = page[page.length - 1]!.seq;
    }
  }

  async tail(sessionId: string, n: number): Promise<ReadEvent[]> {
    const events = await this.store.events.tail(sessionId, n);
    return events.map((e) => ({ sessionId: e.sessionId, seq: e.seq, content: e.content as string }));
  }

  async seedSessions(sessions: readonly SessionSeed[]): Promise<void> {
    // Import is the API that keeps given times, so every target holds the same updatedAt values.
    const lines = [JSON.stringify({ type: 'threadkeep', version: 1, exportedAt: 0 })];
    for (const s of sessions) {
      lines.push(
        JSON.stringify({
          type: 'session',
          id: s.id,
          title: null,
          summary: null,
          metadata: {},
          createdAt: s.createdAt,
          updatedAt: s.updatedAt,
          eventCount: 0,
          tokenCount: 0,
          lastSeq: 0,
          revision: 0,
        }),
      );
    }
    const report = await this.store.importJSONL(lines.join('\n'));
    if (report.errors.length > 0) throw new Error(`import failed: ${report.errors[0]}`);
  }

  async recentSessions(n: number): Promise<string[]> {
    return (await this.store.sessions.list({ limit: n })).map((s) => s.id);
  }

  async search(query: Query, limit: number): Promise<ReadEvent[]> {
    const hits = await this.store.search(query.text, { limit });
    return hits.map((h) => ({
      sessionId: h.event.sessionId,
      seq: h.event.seq,
      content: h.event.content as string,
    }));
  }

  async putArtifact(handle: string, bytes: Uint8Array): Promise<void> {
    await this.store.artifacts.put({ handle, data: bytes, mime: 'text/plain', name: `${handle}.log` });
  }

  async getArtifact(handle: string): Promise<Uint8Array> {
    const bytes = await this.store.artifacts.get(handle);
    if (!bytes) throw new Error(`artifact ${handle} is missing`);
    return bytes;
  }

  drilldown(handle: string, start: number, end: number): Promise<string> {
    return this.store.artifacts.drilldown(handle, { lines: [start, end] });
  }

  async storedBytes(): Promise<number | null> {
    return (await this.store.info()).usageBytes;
  }

  async close(): Promise<void> {
    await this.#store?.close();
    this.#store = undefined;
  }
}

/**
 * threadkeep from a second tab: another page holds the store as leader, this one opens the same
 * store and should become a follower that forwards its calls. Until multi-tab support lands, the
 * open rejects (BACKEND_UNAVAILABLE) and the target reports "unavailable".
 */
export class FollowerTarget extends ThreadkeepTarget {
  constructor() {
    super('opfs');
  }

  override async open(name: string): Promise<void> {
    await super.open(name);
    const { role } = await this.store.info();
    if (role !== 'follower') {
      await this.close();
      throw new Error(`the second tab opened the store as '${role}', not as a follower`);
    }
  }
}

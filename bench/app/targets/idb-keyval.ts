/**
 * idb-keyval as its README shows it: a key per event (`[sessionId, seq]`), `setMany` for batches,
 * `getMany` for the tail, and a second store for session records. It has no ranges, indexes or
 * cursors: "most recent sessions" and search read every value (`values()`) and filter.
 */
import { createStore, get, getMany, set, setMany, type UseStore, values } from 'idb-keyval';
import { type BenchEvent, type Query, type ReadEvent, scanMatches, sliceLines } from '../data.js';
import type { SessionSeed, Target } from '../target.js';

interface EventValue extends BenchEvent {
  partial: number;
  createdAt: number;
}
interface SessionValue {
  id: string;
  createdAt: number;
  updatedAt: number;
  lastSeq: number;
  eventCount: number;
}

const decoder = new TextDecoder();

export class IdbKeyvalTarget implements Target {
  readonly searchKind = 'scan' as const;
  #events: UseStore | undefined;
  #sessions: UseStore | undefined;
  #artifacts: UseStore | undefined;
  readonly #cache = new Map<string, SessionValue>();

  async open(name: string): Promise<void> {
    // idb-keyval makes one database per store; a database with two stores is outside its API.
    this.#events = createStore(`kv-${name}-events`, 'kv');
    this.#sessions = createStore(`kv-${name}-sessions`, 'kv');
    this.#artifacts = createStore(`kv-${name}-artifacts`, 'kv');
    await get('probe', this.#events);
  }

  get events(): UseStore {
    if (!this.#events) throw new Error('not open');
    return this.#events;
  }

  async describe(): Promise<Record<string, unknown>> {
    return {};
  }

  async #writeEvents(sessionId: string, events: readonly BenchEvent[], partial = 0): Promise<void> {
    const now = Date.now();
    const s = this.#cache.get(sessionId) ?? {
      id: sessionId,
      createdAt: now,
      updatedAt: now,
      lastSeq: 0,
      eventCount: 0,
    };
    const session = {
      ...s,
      updatedAt: now,
      lastSeq: s.lastSeq + events.length,
      eventCount: s.eventCount + events.length,
    };
    await setMany(
      events.map((e) => [[e.sessionId, e.seq], { ...e, partial, createdAt: now }]),
      this.events,
    );
    await set(sessionId, session, this.#sessions);
    this.#cache.set(sessionId, session);
  }

  appendOne(event: BenchEvent): Promise<void> {
    return this.#writeEvents(event.sessionId, [event]);
  }

  appendBatch(sessionId: string, events: readonly BenchEvent[]): Promise<void> {
    return this.#writeEvents(sessionId, events);
  }

  async startPartial(event: BenchEvent): Promise<string> {
    await this.#writeEvents(event.sessionId, [{ ...event, content: '' }], 1);
    return '';
  }

  async patchPartial(_handle: string, event: BenchEvent, content: string): Promise<void> {
    await set(
      [event.sessionId, event.seq],
      { ...event, content, partial: 1, createdAt: Date.now() },
      this.events,
    );
  }

  async completePartial(_handle: string, event: BenchEvent, content: string): Promise<void> {
    await set(
      [event.sessionId, event.seq],
      { ...event, content, partial: 0, createdAt: Date.now() },
      this.events,
    );
  }

  async #lastSeq(sessionId: string): Promise<number> {
    const session = await get<SessionValue>(sessionId, this.#sessions);
    return session?.lastSeq ?? 0;
  }

  async #range(sessionId: string, from: number, to: number): Promise<ReadEvent[]> {
    const keys: IDBValidKey[] = [];
    for (let seq = from; seq <= to; seq++) keys.push([sessionId, seq]);
    const found = await getMany<EventValue | undefined>(keys, this.events);
    return found.filter((e): e is EventValue => e !== undefined).map(toRead);
  }

  async readSession(sessionId: string): Promise<ReadEvent[]> {
    return this.#range(sessionId, 1, await this.#lastSeq(sessionId));
  }

  async tail(sessionId: string, n: number): Promise<ReadEvent[]> {
    const last = await this.#lastSeq(sessionId);
    return this.#range(sessionId, Math.max(1, last - n + 1), last);
  }

  async seedSessions(sessions: readonly SessionSeed[]): Promise<void> {
    await setMany(
      sessions.map((s) => [s.id, { ...s, lastSeq: 0, eventCount: 0 }]),
      this.#sessions,
    );
  }

  async recentSessions(n: number): Promise<string[]> {
    const all = await values<SessionValue>(this.#sessions);
    all.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return all.slice(0, n).map((s) => s.id);
  }

  async search(query: Query, limit: number): Promise<ReadEvent[]> {
    const out: ReadEvent[] = [];
    const all = await values<EventValue>(this.events);
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const e = all[i]!;
      if (e.partial === 0 && scanMatches(e.content, query)) out.push(toRead(e));
    }
    return out;
  }

  async putArtifact(handle: string, bytes: Uint8Array): Promise<void> {
    await set(handle, bytes, this.#artifacts);
  }

  async getArtifact(handle: string): Promise<Uint8Array> {
    const bytes = await get<Uint8Array>(handle, this.#artifacts);
    if (!bytes) throw new Error(`artifact ${handle} is missing`);
    return bytes;
  }

  async drilldown(handle: string, start: number, end: number): Promise<string> {
    return sliceLines(decoder.decode(await this.getArtifact(handle)), start, end);
  }

  async storedBytes(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {
    // idb-keyval keeps its connections for the page's life: there is nothing to close.
    this.#cache.clear();
  }
}

function toRead(e: EventValue): ReadEvent {
  return { sessionId: e.sessionId, seq: e.seq, content: e.content };
}

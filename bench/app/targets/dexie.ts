/**
 * Dexie 4 as its docs show it: tables with indexes, `bulkPut` for batches, indexed `where` queries,
 * a rw transaction for a write that touches two tables. No full-text index: search is a scan.
 */
import { Dexie, type Table } from 'dexie';
import { type BenchEvent, type Query, type ReadEvent, scanMatches, sliceLines } from '../data.js';
import type { SessionSeed, Target } from '../target.js';

interface EventRow extends BenchEvent {
  id: string;
  partial: number;
  createdAt: number;
}
interface SessionRow {
  id: string;
  createdAt: number;
  updatedAt: number;
  lastSeq: number;
  eventCount: number;
}
interface ArtifactRow {
  handle: string;
  data: Uint8Array;
}

class BenchDexie extends Dexie {
  events!: Table<EventRow, string>;
  sessions!: Table<SessionRow, string>;
  artifacts!: Table<ArtifactRow, string>;
  constructor(name: string) {
    super(name);
    this.version(1).stores({
      events: 'id, [sessionId+seq]',
      sessions: 'id, updatedAt',
      artifacts: 'handle',
    });
  }
}

const decoder = new TextDecoder();

export class DexieTarget implements Target {
  readonly searchKind = 'scan' as const;
  #db: BenchDexie | undefined;
  /** What a single-tab app keeps in memory: each session's record, so appends know the next seq. */
  readonly #sessions = new Map<string, SessionRow>();

  get db(): BenchDexie {
    if (!this.#db) throw new Error('not open');
    return this.#db;
  }

  async open(name: string): Promise<void> {
    this.#db = new BenchDexie(`dexie-${name}`);
    await this.#db.open();
  }

  async describe(): Promise<Record<string, unknown>> {
    return { dexie: Dexie.semVer };
  }

  #session(sessionId: string, count: number, now: number): SessionRow {
    const s = this.#sessions.get(sessionId) ?? {
      id: sessionId,
      createdAt: now,
      updatedAt: now,
      lastSeq: 0,
      eventCount: 0,
    };
    const next = { ...s, updatedAt: now, lastSeq: s.lastSeq + count, eventCount: s.eventCount + count };
    return next;
  }

  #rows(events: readonly BenchEvent[], now: number, partial = 0): EventRow[] {
    return events.map((e) => ({ ...e, id: `${e.sessionId}:${e.seq}`, partial, createdAt: now }));
  }

  async appendOne(event: BenchEvent): Promise<void> {
    await this.appendBatch(event.sessionId, [event]);
  }

  async appendBatch(sessionId: string, events: readonly BenchEvent[]): Promise<void> {
    const now = Date.now();
    const session = this.#session(sessionId, events.length, now);
    const rows = this.#rows(events, now);
    const db = this.db;
    await db.transaction('rw', db.events, db.sessions, async () => {
      await db.events.bulkPut(rows);
      await db.sessions.put(session);
    });
    this.#sessions.set(sessionId, session);
  }

  async startPartial(event: BenchEvent): Promise<string> {
    const now = Date.now();
    const session = this.#session(event.sessionId, 1, now);
    const [row] = this.#rows([{ ...event, content: '' }], now, 1);
    const db = this.db;
    await db.transaction('rw', db.events, db.sessions, async () => {
      await db.events.put(row!);
      await db.sessions.put(session);
    });
    this.#sessions.set(event.sessionId, session);
    return row!.id;
  }

  async patchPartial(handle: string, _event: BenchEvent, content: string): Promise<void> {
    await this.db.events.update(handle, { content });
  }

  async completePartial(handle: string, event: BenchEvent, content: string): Promise<void> {
    await this.db.events.update(handle, { content, tokens: event.tokens, partial: 0 });
  }

  async readSession(sessionId: string): Promise<ReadEvent[]> {
    const rows = await this.db.events
      .where('[sessionId+seq]')
      .between([sessionId, Dexie.minKey], [sessionId, Dexie.maxKey])
      .toArray();
    return rows.map(toRead);
  }

  async tail(sessionId: string, n: number): Promise<ReadEvent[]> {
    const rows = await this.db.events
      .where('[sessionId+seq]')
      .between([sessionId, Dexie.minKey], [sessionId, Dexie.maxKey])
      .reverse()
      .limit(n)
      .toArray();
    return rows.reverse().map(toRead);
  }

  async seedSessions(sessions: readonly SessionSeed[]): Promise<void> {
    await this.db.sessions.bulkPut(sessions.map((s) => ({ ...s, lastSeq: 0, eventCount: 0 })));
  }

  async recentSessions(n: number): Promise<string[]> {
    const rows = await this.db.sessions.orderBy('updatedAt').reverse().limit(n).toArray();
    return rows.map((s) => s.id);
  }

  async search(query: Query, limit: number): Promise<ReadEvent[]> {
    // What Dexie users do without a full-text index: filter a scan, newest first, stop at `limit`.
    const rows = await this.db.events
      .reverse()
      .filter((e) => e.partial === 0 && scanMatches(e.content, query))
      .limit(limit)
      .toArray();
    return rows.map(toRead);
  }

  async putArtifact(handle: string, bytes: Uint8Array): Promise<void> {
    await this.db.artifacts.put({ handle, data: bytes });
  }

  async getArtifact(handle: string): Promise<Uint8Array> {
    const row = await this.db.artifacts.get(handle);
    if (!row) throw new Error(`artifact ${handle} is missing`);
    return row.data;
  }

  async drilldown(handle: string, start: number, end: number): Promise<string> {
    return sliceLines(decoder.decode(await this.getArtifact(handle)), start, end);
  }

  async storedBytes(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    this.#sessions.clear();
  }
}

function toRead(e: EventRow): ReadEvent {
  return { sessionId: e.sessionId, seq: e.seq, content: e.content };
}

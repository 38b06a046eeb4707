/**
 * IndexedDB without a library, as MDN shows it: object stores with a compound index, one
 * readwrite transaction per write call, cursors for ranges. No full-text index: search is a scan.
 */
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

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

const decoder = new TextDecoder();

export class RawIdbTarget implements Target {
  readonly searchKind = 'scan' as const;
  #db: IDBDatabase | undefined;
  readonly #sessions = new Map<string, SessionRow>();

  get db(): IDBDatabase {
    if (!this.#db) throw new Error('not open');
    return this.#db;
  }

  async open(name: string): Promise<void> {
    const r = indexedDB.open(`idb-${name}`, 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      const events = db.createObjectStore('events', { keyPath: 'id' });
      events.createIndex('bySeq', ['sessionId', 'seq'], { unique: true });
      const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
      sessions.createIndex('byUpdate', 'updatedAt');
      db.createObjectStore('artifacts');
    };
    this.#db = await request(r);
  }

  async describe(): Promise<Record<string, unknown>> {
    return {};
  }

  #write(events: readonly BenchEvent[], sessionId: string, partial = 0): Promise<void> {
    const now = Date.now();
    const s = this.#sessions.get(sessionId) ?? {
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
    const tx = this.db.transaction(['events', 'sessions'], 'readwrite');
    const store = tx.objectStore('events');
    for (const e of events) store.put({ ...e, id: `${e.sessionId}:${e.seq}`, partial, createdAt: now });
    tx.objectStore('sessions').put(session);
    this.#sessions.set(sessionId, session);
    return done(tx);
  }

  appendOne(event: BenchEvent): Promise<void> {
    return this.#write([event], event.sessionId);
  }

  appendBatch(sessionId: string, events: readonly BenchEvent[]): Promise<void> {
    return this.#write(events, sessionId);
  }

  async startPartial(event: BenchEvent): Promise<string> {
    await this.#write([{ ...event, content: '' }], event.sessionId, 1);
    return `${event.sessionId}:${event.seq}`;
  }

  #put(event: BenchEvent, content: string, partial: number): Promise<void> {
    const tx = this.db.transaction('events', 'readwrite');
    tx.objectStore('events').put({
      ...event,
      content,
      id: `${event.sessionId}:${event.seq}`,
      partial,
      createdAt: Date.now(),
    });
    return done(tx);
  }

  patchPartial(_handle: string, event: BenchEvent, content: string): Promise<void> {
    return this.#put(event, content, 1);
  }

  completePartial(_handle: string, event: BenchEvent, content: string): Promise<void> {
    return this.#put(event, content, 0);
  }

  async readSession(sessionId: string): Promise<ReadEvent[]> {
    const index = this.db.transaction('events').objectStore('events').index('bySeq');
    const rows = await request(index.getAll(IDBKeyRange.bound([sessionId, 0], [sessionId, Infinity])));
    return (rows as EventRow[]).map(toRead);
  }

  tail(sessionId: string, n: number): Promise<ReadEvent[]> {
    const index = this.db.transaction('events').objectStore('events').index('bySeq');
    const cursor = index.openCursor(IDBKeyRange.bound([sessionId, 0], [sessionId, Infinity]), 'prev');
    const out: ReadEvent[] = [];
    return new Promise((resolve, reject) => {
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (c && out.length < n) {
          out.push(toRead(c.value as EventRow));
          c.continue();
        } else resolve(out.reverse());
      };
    });
  }

  async seedSessions(sessions: readonly SessionSeed[]): Promise<void> {
    const tx = this.db.transaction('sessions', 'readwrite');
    const store = tx.objectStore('sessions');
    for (const s of sessions) store.put({ ...s, lastSeq: 0, eventCount: 0 });
    await done(tx);
  }

  recentSessions(n: number): Promise<string[]> {
    const cursor = this.db
      .transaction('sessions')
      .objectStore('sessions')
      .index('byUpdate')
      .openCursor(null, 'prev');
    const out: string[] = [];
    return new Promise((resolve, reject) => {
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (c && out.length < n) {
          out.push((c.value as SessionRow).id);
          c.continue();
        } else resolve(out);
      };
    });
  }

  search(query: Query, limit: number): Promise<ReadEvent[]> {
    // A cursor over every event, newest key first, stopping at `limit` matches.
    const cursor = this.db.transaction('events').objectStore('events').openCursor(null, 'prev');
    const out: ReadEvent[] = [];
    return new Promise((resolve, reject) => {
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c || out.length >= limit) return resolve(out);
        const e = c.value as EventRow;
        if (e.partial === 0 && scanMatches(e.content, query)) out.push(toRead(e));
        c.continue();
      };
    });
  }

  async putArtifact(handle: string, bytes: Uint8Array): Promise<void> {
    const tx = this.db.transaction('artifacts', 'readwrite');
    tx.objectStore('artifacts').put(bytes, handle);
    await done(tx);
  }

  async getArtifact(handle: string): Promise<Uint8Array> {
    const bytes = await request(this.db.transaction('artifacts').objectStore('artifacts').get(handle));
    if (!bytes) throw new Error(`artifact ${handle} is missing`);
    return bytes as Uint8Array;
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

/**
 * A tiny in-memory model of sessions and their event logs, written from API.md alone. Each method
 * predicts the outcome of one store call before it is made: either the ThreadkeepError code it must
 * reject with (and then nothing may change), or a check of its result that also advances the model.
 */
import { expect } from 'vitest';
import type { JsonObject, JsonValue, Session, Store, StoredEvent } from '../../../src/core/types.js';

export type ExpectedCode = 'DUPLICATE_ID' | 'REVISION_CONFLICT' | 'IMMUTABLE_EVENT' | 'NOT_FOUND';

/** What a test appends: a subset of EventInput that exercises ids, retries and tokens. */
export interface EventSpec {
  id?: string;
  requestId?: string;
  parentId?: string;
  tokens: number;
  status: 'complete' | 'partial';
  content?: JsonValue;
  createdAt?: number;
}

/** When the call ran: times the store stamps must fall inside it. */
export interface CallWindow {
  store: Store;
  t0: number;
  t1: number;
}

export type Outcome<R> = { error: ExpectedCode } | { check: (result: R, call: CallWindow) => Promise<void> };

export interface ModelSession {
  id: string;
  title: string | null;
  summary: string | null;
  metadata: JsonObject;
  lastSeq: number;
  revision: number;
  events: StoredEvent[];
  /** Set when a call changed the session: updatedAt must then lie inside that call's window. */
  touched: { t0: number; t1: number } | undefined;
  updatedAt: number | undefined;
  createdAt: number | undefined;
}

/** A JSON value as the store keeps it: what JSON.stringify/JSON.parse leave of it. */
export const stored = (value: JsonValue): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;

type BatchAnswer = { stored: StoredEvent } | { batch: number } | { fresh: EventSpec };
interface BatchPlan {
  answers: BatchAnswer[];
  freshCount: number;
  duplicate: boolean;
}

const fail = (error: ExpectedCode): { error: ExpectedCode } => ({ error });

export class TranscriptModel {
  readonly sessions = new Map<string, ModelSession>();
  /** Ids the store generated for forks, in creation order, so later operations can pick them. */
  readonly generatedSessionIds: string[] = [];

  view(s: ModelSession): Omit<Session, 'createdAt' | 'updatedAt'> {
    return {
      id: s.id,
      title: s.title,
      summary: s.summary,
      metadata: s.metadata,
      eventCount: s.events.length,
      tokenCount: s.events.reduce((sum, e) => sum + e.tokens, 0),
      lastSeq: s.lastSeq,
      revision: s.revision,
    };
  }

  allEventIds(except?: string): Set<string> {
    const ids = new Set<string>();
    for (const s of this.sessions.values()) {
      if (s.id !== except) for (const e of s.events) ids.add(e.id);
    }
    return ids;
  }

  allEvents(): StoredEvent[] {
    return [...this.sessions.values()].flatMap((s) => s.events);
  }

  #newSession(id: string, fields: Partial<ModelSession> = {}): ModelSession {
    return {
      id,
      title: null,
      summary: null,
      metadata: {},
      lastSeq: 0,
      revision: 0,
      events: [],
      touched: undefined,
      updatedAt: undefined,
      createdAt: undefined,
      ...fields,
    };
  }

  #touch(s: ModelSession, call: CallWindow, created = false): void {
    s.touched = { t0: call.t0, t1: call.t1 };
    s.updatedAt = undefined;
    if (created) s.createdAt = undefined;
  }

  /**
   * Plans a batch the way API.md says: a requestId already in the session, or earlier in the
   * batch, is a retry; given ids must be new to the store and to the batch (else `duplicate`:
   * the whole call is refused with DUPLICATE_ID).
   */
  #plan(session: ModelSession, specs: EventSpec[], storeIds: Set<string>): BatchPlan {
    const answers: BatchAnswer[] = [];
    const requests = new Map<string, number>();
    const given = new Set<string>();
    let duplicate = false;
    for (const [i, spec] of specs.entries()) {
      if (spec.requestId !== undefined) {
        const earlier = requests.get(spec.requestId);
        const inSession = session.events.find((e) => e.requestId === spec.requestId);
        if (earlier !== undefined) {
          answers.push({ batch: earlier });
          continue;
        }
        if (inSession) {
          answers.push({ stored: inSession });
          continue;
        }
        requests.set(spec.requestId, i);
      }
      if (spec.id !== undefined) {
        if (given.has(spec.id) || storeIds.has(spec.id)) duplicate = true;
        given.add(spec.id);
      }
      answers.push({ fresh: spec });
    }
    const freshCount = answers.filter((a) => 'fresh' in a).length;
    return { answers, freshCount, duplicate };
  }

  /** Checks a batch's answers, and returns the new events (not yet added to the session). */
  #checkBatch(
    session: ModelSession,
    plan: BatchPlan,
    result: StoredEvent[],
    call: CallWindow,
    storeIds: Set<string>,
  ): StoredEvent[] {
    expect(result).toHaveLength(plan.answers.length);
    const created: StoredEvent[] = [];
    let seq = session.lastSeq;
    for (const [i, answer] of plan.answers.entries()) {
      const got = result[i]!;
      if ('stored' in answer) {
        expect(got, `retry answer [${i}]`).toEqual(answer.stored);
        continue;
      }
      if ('batch' in answer) {
        expect(got, `in-batch retry [${i}]`).toEqual(result[answer.batch]);
        continue;
      }
      const spec = answer.fresh;
      if (spec.id === undefined) {
        expect(typeof got.id === 'string' && got.id.length > 0).toBe(true);
        expect(storeIds.has(got.id) || created.some((e) => e.id === got.id)).toBe(false);
      }
      if (spec.createdAt === undefined) {
        expect(got.createdAt).toBeGreaterThanOrEqual(call.t0);
        expect(got.createdAt).toBeLessThanOrEqual(call.t1);
      }
      const expected: StoredEvent = {
        id: spec.id ?? got.id,
        sessionId: session.id,
        seq: ++seq,
        kind: 'message',
        role: null,
        content: spec.content === undefined ? null : stored(spec.content),
        toolCalls: [],
        toolCallId: null,
        parentId: spec.parentId ?? null,
        requestId: spec.requestId ?? null,
        tokens: spec.tokens,
        metadata: {},
        artifacts: [],
        status: spec.status,
        createdAt: spec.createdAt ?? got.createdAt,
      };
      expect(got, `new event [${i}]`).toEqual(expected);
      created.push(expected);
    }
    return created;
  }

  append(
    sessionId: string,
    specs: EventSpec[],
    options: { expectedRevision?: number; createSession?: boolean },
  ): Outcome<StoredEvent[]> {
    const existing = this.sessions.get(sessionId);
    if (!existing) {
      if (options.createSession === false) return fail('NOT_FOUND');
      if (specs.length === 0) return { check: async (result) => expect(result).toEqual([]) };
    }
    const session = existing ?? this.#newSession(sessionId);
    const storeIds = this.allEventIds();
    const plan = this.#plan(session, specs, storeIds);
    const expected = options.expectedRevision;
    if (plan.freshCount > 0 && expected !== undefined && expected !== session.revision) {
      return fail('REVISION_CONFLICT');
    }
    if (plan.duplicate) return fail('DUPLICATE_ID');
    return {
      check: async (result, call) => {
        const created = this.#checkBatch(session, plan, result, call, storeIds);
        if (created.length === 0) return;
        if (!existing) {
          this.sessions.set(sessionId, session);
          this.#touch(session, call, true);
        }
        session.events.push(...created);
        session.lastSeq += created.length;
        session.revision++;
        this.#touch(session, call);
      },
    };
  }

  #findEvent(id: string): { session: ModelSession; index: number } | undefined {
    for (const session of this.sessions.values()) {
      const index = session.events.findIndex((e) => e.id === id);
      if (index >= 0) return { session, index };
    }
    return undefined;
  }

  patch(
    id: string,
    patch: { content?: JsonValue; tokens?: number; status?: 'complete' | 'partial' },
  ): Outcome<StoredEvent> {
    const found = this.#findEvent(id);
    if (!found) return fail('NOT_FOUND');
    const { session, index } = found;
    const event = session.events[index]!;
    if (event.status !== 'partial') return fail('IMMUTABLE_EVENT');
    const empty = patch.content === undefined && patch.tokens === undefined && patch.status === undefined;
    const next: StoredEvent = {
      ...event,
      content: patch.content === undefined ? event.content : stored(patch.content),
      tokens: patch.tokens ?? event.tokens,
      status: patch.status ?? event.status,
    };
    return {
      check: async (result, call) => {
        expect(result).toEqual(next);
        if (empty) return;
        session.events[index] = next;
        session.revision++;
        this.#touch(session, call);
      },
    };
  }

  truncate(sessionId: string, keepLast: number): Outcome<number> {
    const session = this.sessions.get(sessionId);
    const removed = session ? Math.max(0, session.events.length - keepLast) : 0;
    return {
      check: async (result, call) => {
        expect(result).toBe(removed);
        if (!session || removed === 0) return;
        session.events.splice(0, removed);
        session.revision++;
        this.#touch(session, call);
      },
    };
  }

  replace(sessionId: string, specs: EventSpec[], expectedRevision: number): Outcome<StoredEvent[]> {
    const session = this.sessions.get(sessionId);
    if (!session) return fail('NOT_FOUND');
    if (expectedRevision !== session.revision) return fail('REVISION_CONFLICT');
    // The old transcript is gone before the new one goes in: its ids and requestIds are free.
    const emptied = { ...session, events: [] };
    const storeIds = this.allEventIds(sessionId);
    const plan = this.#plan(emptied, specs, storeIds);
    if (plan.duplicate) return fail('DUPLICATE_ID');
    return {
      check: async (result, call) => {
        const created = this.#checkBatch(emptied, plan, result, call, storeIds);
        session.events = created;
        session.lastSeq += created.length;
        session.revision++;
        this.#touch(session, call);
      },
    };
  }

  fork(sessionId: string, options: { throughSeq?: number; id?: string; title?: string }): Outcome<Session> {
    const source = this.sessions.get(sessionId);
    if (!source) return fail('NOT_FOUND');
    if (options.id !== undefined && this.sessions.has(options.id)) return fail('DUPLICATE_ID');
    const through = Math.min(options.throughSeq ?? source.lastSeq, source.lastSeq);
    const copied = source.events.filter((e) => e.seq <= through);
    return {
      check: async (result, call) => {
        const id = options.id ?? result.id;
        expect(this.sessions.has(id)).toBe(false);
        const fork = this.#newSession(id, {
          title: options.title ?? source.title,
          summary: source.summary,
          metadata: { ...source.metadata, forkedFrom: { sessionId, seq: through } },
          lastSeq: copied.length > 0 ? copied.at(-1)!.seq : 0,
          revision: copied.length > 0 ? 1 : 0,
        });
        const events = await call.store.events.list(id, { limit: 10_000 });
        expect(events.map((e) => e.seq)).toEqual(copied.map((e) => e.seq));
        const taken = this.allEventIds();
        const newIds = new Map(copied.map((e, i) => [e.id, events[i]!.id]));
        expect(new Set(newIds.values()).size).toBe(copied.length);
        for (const fresh of newIds.values()) expect(taken.has(fresh)).toBe(false);
        fork.events = copied.map((e) => ({
          ...e,
          id: newIds.get(e.id)!,
          sessionId: id,
          parentId: e.parentId === null ? null : (newIds.get(e.parentId) ?? e.parentId),
        }));
        expect(events).toEqual(fork.events);
        const { createdAt, updatedAt, ...rest } = result;
        expect(rest).toEqual(this.view(fork));
        this.sessions.set(id, fork);
        if (options.id === undefined) this.generatedSessionIds.push(id);
        this.#touch(fork, call, true);
      },
    };
  }

  create(id: string, title?: string): Outcome<Session> {
    if (this.sessions.has(id)) return fail('DUPLICATE_ID');
    return {
      check: async (result, call) => {
        const session = this.#newSession(id, { title: title ?? null });
        const { createdAt, updatedAt, ...rest } = result;
        expect(rest).toEqual(this.view(session));
        this.sessions.set(id, session);
        this.#touch(session, call, true);
      },
    };
  }

  update(
    sessionId: string,
    patch: {
      title?: string | null;
      summary?: string | null;
      metadata?: JsonObject;
      expectedRevision?: number;
    },
  ): Outcome<Session> {
    const session = this.sessions.get(sessionId);
    if (!session) return fail('NOT_FOUND');
    if (patch.expectedRevision !== undefined && patch.expectedRevision !== session.revision) {
      return fail('REVISION_CONFLICT');
    }
    const empty = patch.title === undefined && patch.summary === undefined && patch.metadata === undefined;
    return {
      check: async (result, call) => {
        if (!empty) {
          if (patch.title !== undefined) session.title = patch.title;
          if (patch.summary !== undefined) session.summary = patch.summary;
          if (patch.metadata !== undefined) session.metadata = stored(patch.metadata) as JsonObject;
          session.revision++;
          this.#touch(session, call);
        }
        const { createdAt, updatedAt, ...rest } = result;
        expect(rest).toEqual(this.view(session));
      },
    };
  }

  delete(sessionId: string): Outcome<boolean> {
    const existed = this.sessions.has(sessionId);
    return {
      check: async (result) => {
        expect(result).toBe(existed);
        this.sessions.delete(sessionId);
      },
    };
  }
}

/**
 * What every benchmark target implements: the operations of a chat-history store, each done the
 * way that target's users do it. Peers without full-text search scan (`searchKind: 'scan'`).
 */
import type { BenchEvent, Query, ReadEvent } from './data.js';

export interface SessionSeed {
  id: string;
  createdAt: number;
  updatedAt: number;
}

export interface Target {
  readonly searchKind: 'fts' | 'scan';
  /** Opens (creating) the store named `store`. */
  open(store: string): Promise<void>;
  /** Facts to report next to the figures (backend, role…). */
  describe(): Promise<Record<string, unknown>>;
  /** One event, durably: the call resolves after it committed. */
  appendOne(event: BenchEvent): Promise<void>;
  /** Events of one session, in one atomic call. */
  appendBatch(sessionId: string, events: readonly BenchEvent[]): Promise<void>;
  /** A streamed reply: a partial event, patched as tokens arrive, then completed. */
  startPartial(event: BenchEvent): Promise<string>;
  patchPartial(handle: string, event: BenchEvent, content: string): Promise<void>;
  completePartial(handle: string, event: BenchEvent, content: string): Promise<void>;
  /** Every event of a session, ascending seq. */
  readSession(sessionId: string): Promise<ReadEvent[]>;
  /** The last `n` events of a session, ascending seq. */
  tail(sessionId: string, n: number): Promise<ReadEvent[]>;
  /** Stores sessions with the given times (setup for `recentSessions`, not measured). */
  seedSessions(sessions: readonly SessionSeed[]): Promise<void>;
  /** Ids of the `n` sessions with the latest `updatedAt`, newest first. */
  recentSessions(n: number): Promise<string[]>;
  /** Up to `limit` events matching what a person typed. */
  search(query: Query, limit: number): Promise<ReadEvent[]>;
  putArtifact(handle: string, bytes: Uint8Array): Promise<void>;
  getArtifact(handle: string): Promise<Uint8Array>;
  /** Lines [start, end) of a text artifact, joined by '\n'. */
  drilldown(handle: string, start: number, end: number): Promise<string>;
  /** Bytes the store occupies, when the target can tell. */
  storedBytes(): Promise<number | null>;
  close(): Promise<void>;
}

export const SEARCH_LIMIT = 20;

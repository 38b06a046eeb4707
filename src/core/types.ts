/**
 * The public types of threadkeep, exactly as `API.md` states them. Everything here crosses the
 * worker boundary and the tab boundary, so it is plain data: no classes, no functions.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type Backend = 'opfs' | 'indexeddb' | 'kv' | 'memory';
export type Durability = 'normal' | 'strict';
export type Role = 'system' | 'user' | 'assistant' | 'tool';
export type EventStatus = 'complete' | 'partial';

/** What Node files, Deno KV, Cloudflare KV or Durable Objects can provide to persist a store. */
export interface KeyValueStorage {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, in any order. */
  list(prefix: string): Promise<string[]>;
  /** The largest value the storage accepts (Deno KV: 65 536); larger values are split. */
  readonly maxValueBytes?: number;
}

export interface OpenOptions {
  name?: string;
  backend?: 'auto' | Backend;
  durability?: Durability;
  requestPersistence?: boolean;
  storage?: KeyValueStorage;
  /**
   * When the store is damaged (CORRUPT), copy what is still readable into a fresh store in its
   * place and keep the damaged bytes aside; `info().recovery` tells what happened. A sound store
   * just opens (after a full integrity check, which reads the whole database once).
   */
  recover?: boolean;
}

/** What `openStore({ recover: true })` did to a damaged store; see `StoreInfo.recovery`. */
export interface RecoveryReport {
  /** When the recovery ran. */
  at: number;
  /** Why the store was found damaged: the CORRUPT error of the open, or the integrity check's first finding. */
  reason: string;
  /** Where the damaged bytes were kept: an OPFS directory or a key prefix. `deleteStore` removes them too. */
  damagedCopy: string;
  /** Records written into the new store. */
  recovered: { sessions: number; events: number; artifacts: number };
  /**
   * Records known to be lost: events missing from a recovered session (by its event count),
   * artifacts whose bytes were unreadable. Unreadable ranges (see `unreadable`) may hide more.
   */
  lost: { events: number; artifacts: number };
  /** What could not be read or was set aside, in words, e.g. `events with keys 97 to 160: database disk image is malformed`. */
  unreadable: string[];
}

export interface StoreInfo {
  name: string;
  backend: Backend;
  fallbackReason: string | null;
  role: 'leader' | 'follower' | 'single';
  durability: Durability;
  schemaVersion: number;
  sqliteVersion: string;
  libraryVersion: string;
  persisted: boolean | null;
  usageBytes: number | null;
  quotaBytes: number | null;
  counts: { sessions: number; events: number; artifacts: number };
  /** Set when this open recovered a damaged store (`recover: true`); null otherwise. */
  recovery: RecoveryReport | null;
}

export interface Session {
  id: string;
  title: string | null;
  summary: string | null;
  metadata: JsonObject;
  createdAt: number;
  updatedAt: number;
  eventCount: number;
  tokenCount: number;
  lastSeq: number;
  revision: number;
}

export interface SessionInput {
  id?: string;
  title?: string;
  summary?: string;
  metadata?: JsonObject;
}

export interface SessionListOptions {
  limit?: number;
  offset?: number;
  updatedAfter?: number;
  createdAfter?: number;
}

export interface SessionPatch {
  title?: string | null;
  summary?: string | null;
  metadata?: JsonObject;
  expectedRevision?: number;
}

export interface ForkOptions {
  throughSeq?: number;
  id?: string;
  title?: string;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: JsonValue;
}

export interface EventInput {
  id?: string;
  kind?: string;
  role?: Role;
  content?: JsonValue;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  parentId?: string;
  requestId?: string;
  tokens?: number;
  metadata?: JsonObject;
  artifacts?: string[];
  status?: EventStatus;
  createdAt?: number;
}

export interface StoredEvent {
  id: string;
  sessionId: string;
  seq: number;
  kind: string;
  role: Role | null;
  content: JsonValue | null;
  toolCalls: ToolCall[];
  toolCallId: string | null;
  parentId: string | null;
  requestId: string | null;
  tokens: number;
  metadata: JsonObject;
  artifacts: string[];
  status: EventStatus;
  createdAt: number;
}

export interface AppendOptions {
  expectedRevision?: number;
  createSession?: boolean;
}

export interface EventListOptions {
  afterSeq?: number;
  beforeSeq?: number;
  kinds?: string[];
  roles?: Role[];
  limit?: number;
  order?: 'asc' | 'desc';
}

export interface EventPatch {
  content?: JsonValue;
  tokens?: number;
  metadata?: JsonObject;
  status?: EventStatus;
}

export interface MessagesOptions {
  format?: 'openai' | 'anthropic';
  maxTokens?: number;
  includeSummary?: boolean;
}

export interface SearchOptions {
  sessionId?: string;
  kinds?: string[];
  roles?: Role[];
  limit?: number;
  offset?: number;
  syntax?: 'plain' | 'fts5';
}

export interface SearchHit {
  event: StoredEvent;
  score: number;
  snippet: string;
  highlights: Array<[start: number, end: number]>;
}

export interface ArtifactRef {
  handle: string;
  name: string | null;
  mime: string;
  size: number;
  sha256: string;
  sessionId: string | null;
  eventId: string | null;
  metadata: JsonObject;
  createdAt: number;
}

export interface ArtifactInput {
  data: string | Uint8Array | ArrayBuffer | Blob;
  mime?: string;
  name?: string;
  handle?: string;
  sessionId?: string;
  eventId?: string;
  metadata?: JsonObject;
}

export type Selector =
  | { head: number }
  | { lines: [start: number, end: number] }
  | { jsonKeys: string[] }
  | { rows: [start: number, end: number] };

export interface ArtifactListOptions {
  sessionId?: string;
  limit?: number;
  offset?: number;
}

export interface Change {
  kind: 'session' | 'event' | 'artifact';
  op: 'create' | 'update' | 'delete';
  sessionId: string | null;
  ids: string[];
  revision: number | null;
}

export interface ChangeFilter {
  sessionId?: string;
}

export interface ImportReport {
  sessions: number;
  events: number;
  artifacts: number;
  skipped: number;
  errors: string[];
}

export interface Sessions {
  /** Creates a session; a given id already in use rejects with `DUPLICATE_ID`. */
  create(input?: SessionInput): Promise<Session>;
  /** The session, or `undefined` when there is none with this id. */
  get(id: string): Promise<Session | undefined>;
  /** Sessions by last activity (`updatedAt` descending, then `id`). */
  list(options?: SessionListOptions): Promise<Session[]>;
  /** Changes title, summary or metadata; `null` clears a field. */
  update(id: string, patch: SessionPatch): Promise<Session>;
  /** Deletes the session with its events, artifacts and index entries; `false` when it was absent. */
  delete(id: string): Promise<boolean>;
  /** A new session holding a copy of the transcript up to `throughSeq`. */
  fork(id: string, options?: ForkOptions): Promise<Session>;
}

export interface Events {
  /** Appends atomically, all or none; a known `requestId` returns the stored event instead. */
  append(
    sessionId: string,
    input: EventInput | EventInput[],
    options?: AppendOptions,
  ): Promise<StoredEvent[]>;
  get(id: string): Promise<StoredEvent | undefined>;
  list(sessionId: string, options?: EventListOptions): Promise<StoredEvent[]>;
  /** The last `n` events in ascending seq order. */
  tail(sessionId: string, n: number): Promise<StoredEvent[]>;
  /** Changes a `'partial'` event (a reply being streamed); complete events are immutable. */
  patch(id: string, patch: EventPatch): Promise<StoredEvent>;
  /** Removes all but the last `keepLast` events; resolves to the number removed. */
  truncate(sessionId: string, options: { keepLast: number }): Promise<number>;
  /** Swaps the whole transcript atomically; new events get seqs after the old `lastSeq`. */
  replace(
    sessionId: string,
    input: EventInput[],
    options: { expectedRevision: number },
  ): Promise<StoredEvent[]>;
  /** The transcript as a model API takes it, tool calls and results kept paired. */
  messages(sessionId: string, options?: MessagesOptions): Promise<JsonObject[]>;
}

export interface Artifacts {
  put(input: ArtifactInput): Promise<ArtifactRef>;
  get(handle: string): Promise<Uint8Array | undefined>;
  text(handle: string): Promise<string | undefined>;
  ref(handle: string): Promise<ArtifactRef | undefined>;
  list(options?: ArtifactListOptions): Promise<ArtifactRef[]>;
  delete(handle: string): Promise<boolean>;
  /** Part of an artifact (lines, rows, JSON keys) without reading the rest of it. */
  drilldown(handle: string, selector: Selector): Promise<string>;
}

export interface Store {
  readonly name: string;
  readonly sessions: Sessions;
  readonly events: Events;
  readonly artifacts: Artifacts;
  /** Full-text search over every event, best first (BM25). */
  search(query: string, options?: SearchOptions): Promise<SearchHit[]>;
  /** Hears every committed change, after it commits, in commit order. Returns the unsubscribe function. */
  subscribe(listener: (change: Change) => void, filter?: ChangeFilter): () => void;
  info(): Promise<StoreInfo>;
  exportJSONL(options?: { sessionIds?: string[] }): Promise<Blob>;
  importJSONL(source: Blob | string): Promise<ImportReport>;
  /** A consistent SQLite database file of the whole store. */
  exportDatabase(): Promise<Uint8Array>;
  /** Idempotent; every later call rejects with `CLOSED`. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

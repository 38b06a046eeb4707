/**
 * Every message that crosses between tabs (and app workers) of one origin, in one place.
 *
 * Channels, per store name:
 * - `threadkeep:<name>` — broadcast: hello, leader announcements, committed changes.
 * - `threadkeep-calls:<name>` — followers' calls to the leader, answered by the leader's worker (or
 *   by the leader itself while its worker is down). A channel of their own, so that the worker
 *   never has to take in the changes broadcast after each of its commits.
 * - `threadkeep:<name>:<clientId>` — one client's inbox: results of its forwarded calls.
 */
import type { Method } from '../core/api.js';
import { ThreadkeepError } from '../core/errors.js';
import type { Backend, Change } from '../core/types.js';

export interface WireError {
  code: string;
  message: string;
  details?: unknown;
}

/** A client that just opened the store asks who leads. */
export interface HelloMessage {
  type: 'hello';
  from: string;
}

/** The leader says it leads; followers send it their pending calls again. */
export interface LeaderMessage {
  type: 'leader';
  leaderId: string;
  /**
   * Counts the leader's worker losses. The worker answers followers' calls itself, and one that
   * died took the calls it had heard with it: a follower resends its unanswered calls when the
   * leader or this number changes.
   */
  generation: number;
  /** PROTOCOL of the leader; absent before 2. */
  protocol?: number;
  backend: Backend;
  fallbackReason: string | null;
}

/** A follower's call. `callId` (writes only) lets any leader apply it at most once. */
export interface CallMessage {
  type: 'call';
  from: string;
  id: number;
  method: Method;
  args: unknown[];
  callId?: string;
  /** The leader the follower believes in; another leader ignores the message. */
  to: string;
}

export interface ResultMessage {
  type: 'result';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: WireError;
}

/** Changes a leader committed, in commit order. */
export interface ChangesMessage {
  type: 'changes';
  leaderId: string;
  changes: readonly Change[];
}

/** A CallMessage on the store's channel comes from a tab of a version before the calls channel. */
export type StoreMessage = HelloMessage | LeaderMessage | CallMessage | ChangesMessage;

/**
 * The protocol this code speaks, announced by a leader (LeaderMessage.protocol). Tabs of two
 * versions of an app meet after a deploy: a follower sends its calls on the calls channel only to
 * a leader that announces 2 or more, else on the store's channel, where a leader of this version
 * still answers them.
 */
export const PROTOCOL = 2;

export function storeChannelName(name: string): string {
  return `threadkeep:${name}`;
}

export function callsChannelName(name: string): string {
  return `threadkeep-calls:${name}`;
}

export function inboxChannelName(name: string, clientId: string): string {
  return `threadkeep:${name}:${clientId}`;
}

/** The Web Lock whose holder leads the store. */
export function leaderLockName(name: string): string {
  return `threadkeep:${name}`;
}

/** Held by a leader's worker for as long as it lives; the leader watches it to notice a crash. */
export function workerLockName(name: string, instance: string): string {
  return `threadkeep-worker:${name}:${instance}`;
}

/**
 * The id that makes a write apply at most once, whichever leader runs it. Fixed-width and
 * increasing per client, so applied_calls' inserts land at the end of its b-tree.
 */
export function callIdFor(clientId: string, n: number): string {
  return `${clientId}:${n.toString(36).padStart(8, '0')}`;
}

/**
 * A store joined where another context holds it keeps the backend it lives on: asked for another
 * backend by name, the open is refused (a second copy there would split the data). `holder`
 * says who holds it, for the message.
 */
export function joinedOnOtherBackend(
  name: string,
  wanted: 'auto' | Backend,
  actual: Backend | undefined,
  holder: string,
): ThreadkeepError | undefined {
  if (wanted === 'auto' || actual === wanted) return undefined;
  return new ThreadkeepError(
    'BACKEND_UNAVAILABLE',
    `store "${name}" is already open${holder} on backend '${actual}', not '${wanted}'; a second copy on another backend would split its data`,
    { backend: wanted },
  );
}

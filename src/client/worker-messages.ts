/** What the store's worker posts to the main thread besides comlink's answers (see worker-host.ts). */
import type { Change } from '../core/types.js';

/** Marks a message of committed changes that no call's answer carried. */
export const CHANGES_MESSAGE = 'threadkeep:changes';

export interface ChangesFromWorker {
  type: typeof CHANGES_MESSAGE;
  /** One entry per commit, in commit order. */
  changes: (readonly Change[])[];
}

/** What `invoke` answers: the call's value, and the changes committed since the last answer. */
export interface InvokeReply {
  value: unknown;
  changes: (readonly Change[])[];
}

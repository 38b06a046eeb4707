/**
 * threadkeep for runtimes without DOM or dedicated workers (Node, Deno, edge workers): the same
 * API as the browser entry, with the engine in this thread, in memory or through a `KeyValueStorage`.
 */
export { type ErrorCode, ThreadkeepError } from '../core/errors.js';
export type * from '../core/types.js';
export { deleteStore, openStore } from './open-store.js';

/**
 * threadkeep: durable, searchable history for AI-agent conversations. In browsers the store
 * lives in a dedicated worker (SQLite over OPFS, or IndexedDB); elsewhere it runs in-process.
 */
export { deleteStore, openStore } from './client/open-store.js';
export { type ErrorCode, ThreadkeepError } from './core/errors.js';
export type * from './core/types.js';

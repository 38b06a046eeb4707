/**
 * What the contract suite needs from a backend: a way to open a fresh store and the error class.
 * The Node runner gives the in-process store ('memory', 'kv'); the browser runner gives the
 * worker client ('opfs', 'indexeddb', 'memory'). The suite itself never changes per backend.
 */
import type { OpenOptions, Store } from '../../src/core/types.js';

export interface ContractTarget {
  label: string;
  /** The backend info() must report. */
  backend: 'opfs' | 'indexeddb' | 'kv' | 'memory';
  /** Opens a store; `name` is unique per test unless a test reopens one on purpose. */
  open(options?: Omit<OpenOptions, 'backend' | 'storage'>): Promise<Store>;
  /** Whether a closed store's data is there again after reopening. */
  durable: boolean;
  remove(name: string): Promise<void>;
  ErrorClass: abstract new (...args: never[]) => Error & { code: string };
}

let counter = 0;
export function uniqueName(prefix = 't'): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs `fn`, expecting it to reject with a ThreadkeepError of `code`; returns the error. */
export async function rejectsWith(
  target: ContractTarget,
  fn: () => Promise<unknown>,
  code: string,
): Promise<Error & { code: string; details?: unknown }> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`expected a rejection with ${code}, but the call resolved`);
  if (!(error instanceof target.ErrorClass)) {
    throw new Error(`expected a ThreadkeepError ${code}, got ${String(error)} (${(error as Error)?.name})`);
  }
  const err = error as Error & { code: string };
  if (err.code !== code) throw new Error(`expected code ${code}, got ${err.code}: ${err.message}`);
  if (err.name !== 'ThreadkeepError') throw new Error(`expected name ThreadkeepError, got ${err.name}`);
  return err;
}

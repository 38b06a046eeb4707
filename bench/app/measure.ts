/**
 * Measuring and checking, shared by every workload: per-call timing with a budget, result records
 * that never throw, and the read-back checksums.
 */
import { eventRange, eventsChecksum, fnv, hex } from './data.js';
import type { Target } from './target.js';

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export interface WorkloadResult {
  workload: string;
  /** `per-call`: p50/p95/p99 of each call; `bulk`: the total. */
  kind: 'per-call' | 'bulk';
  stats?: Stats;
  totalMs?: number;
  /** Items (events, bytes) the workload handled, for rates. */
  items?: number;
  checksum?: string;
  expected?: string;
  note?: string;
  error?: string;
  extra?: Record<string, unknown>;
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
    min: round(s[0] ?? 0),
    max: round(s[s.length - 1] ?? 0),
  };
}

export const now = (): number => performance.now();

/** Times `fn(i)` for i in [0, n), stopping early once `budgetMs` is spent and `min` calls ran. */
export async function timeCalls(
  n: number,
  fn: (i: number) => Promise<unknown>,
  budgetMs = Number.POSITIVE_INFINITY,
  min = 3,
): Promise<{ samples: number[]; total: number }> {
  const samples: number[] = [];
  const start = now();
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await fn(i);
    samples.push(now() - t0);
    if (i + 1 >= min && now() - start > budgetMs) break;
  }
  return { samples, total: now() - start };
}

export async function guarded(
  results: WorkloadResult[],
  workload: string,
  kind: WorkloadResult['kind'],
  fn: () => Promise<Omit<WorkloadResult, 'workload' | 'kind'>>,
): Promise<boolean> {
  try {
    results.push({ workload, kind, ...(await fn()) });
    return true;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    results.push({ workload, kind, error: message });
    return false;
  }
}

export function checked(
  checksum: number | string,
  expected: number | string,
): { checksum: string; expected: string } {
  const c = typeof checksum === 'number' ? hex(checksum) : checksum;
  const e = typeof expected === 'number' ? hex(expected) : expected;
  return { checksum: c, expected: e };
}

/** The checksum of a session read back, and of the events `1..count` the generator wrote. */
export async function sessionChecksum(target: Target, sessionId: string, count: number) {
  const read = await target.readSession(sessionId);
  return checked(eventsChecksum(read), eventsChecksum(eventRange(sessionId, 1, count)));
}

/** Calls whose results go into a per-call workload's checksum, whatever number of calls ran. */
export const CHECKED_CALLS = 10;

/**
 * Checks every call's result against the expected one; folds the first CHECKED_CALLS into the
 * checksum (so targets that ran different numbers of calls agree) and marks any wrong call.
 */
export function foldChecked(
  results: readonly string[],
  expected: (i: number) => string,
): { h: string; e: string } {
  let h = 0x811c9dc5;
  let e = 0x811c9dc5;
  let wrong = 0;
  for (let i = 0; i < results.length; i++) {
    const want = expected(i);
    if (results[i] !== want) wrong++;
    if (i < CHECKED_CALLS) {
      h = fnv(results[i]!, h);
      e = fnv(want, e);
    }
  }
  return { h: `${hex(h)}${wrong > 0 ? `/${wrong}wrong` : ''}`, e: hex(e) };
}

export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The 50 most recent of 10 000 sessions. */
import {
  CHECKED_CALLS,
  checked,
  foldChecked,
  guarded,
  stats,
  timeCalls,
  type WorkloadResult,
} from '../measure.js';
import type { PhaseOptions } from '../runner.js';
import type { SessionSeed, Target } from '../target.js';

export async function sessionsPhase(
  target: Target,
  o: PhaseOptions,
  results: WorkloadResult[],
): Promise<void> {
  const count = 10_000;
  await guarded(results, 'sessions.recent50', 'per-call', async () => {
    // updatedAt is a permutation of distinct times, unrelated to creation order.
    const seeds: SessionSeed[] = [];
    for (let i = 0; i < count; i++) {
      const at = 1_700_000_000_000 + ((i * 7919) % count) * 1000;
      seeds.push({ id: `sess-${String(i).padStart(5, '0')}`, createdAt: at - 5000, updatedAt: at });
    }
    await target.seedSessions(seeds);
    const expectedIds = [...seeds]
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, 50)
      .map((s) => s.id);
    for (let i = 0; i < 10; i++) await target.recentSessions(50);
    const got: string[][] = [];
    const { samples } = await timeCalls(
      o.quick ? 20 : 300,
      async () => {
        got.push(await target.recentSessions(50));
      },
      o.quick ? 2000 : 30_000,
      CHECKED_CALLS,
    );
    const { h, e } = foldChecked(
      got.map((ids) => ids.join(',')),
      () => expectedIds.join(','),
    );
    return { stats: stats(samples), items: count, ...checked(h, e) };
  });
}

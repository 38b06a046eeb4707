/**
 * The workloads, written once against `Target` and run the same way for every target: in the
 * bench page for threadkeep and the IndexedDB peers, inside the bench worker for bare sahpool.
 * Each workload times its calls with `performance.now()` around the awaited call, and checks
 * what the target read back against the generator (`expected`), so checksums agree across targets
 * exactly when every target returned the right data.
 */
import { guarded, now, round, type WorkloadResult } from './measure.js';
import type { Target } from './target.js';
import { artifactsPhase } from './workloads/artifacts.js';
import { coldPreparePhase, datasetPhase, fillArtifacts } from './workloads/dataset.js';
import { sessionsPhase } from './workloads/sessions.js';
import { writesPhase } from './workloads/writes.js';

export type { WorkloadResult } from './measure.js';
export { coldSession } from './workloads/dataset.js';

export interface PhaseOptions {
  quick: boolean;
  store: string;
  /** `dataset:1m`: top the store up to ~1 GB for the cold open (not for a memory store). */
  fill?: boolean;
}

export interface PhaseResult {
  info: Record<string, unknown>;
  workloads: WorkloadResult[];
}

/**
 * Runs one phase on a fresh store. `atRest` runs after the workloads while the store is still
 * open (the page measures memory there). `dataset:1m` ends by topping the store up to ~1 GB and
 * leaves it for the cold-open page.
 */
export async function runPhase(
  target: Target,
  phase: string,
  o: PhaseOptions,
  atRest?: () => Promise<Record<string, unknown>>,
): Promise<PhaseResult> {
  const results: WorkloadResult[] = [];
  let info: Record<string, unknown> = {};
  try {
    const t0 = now();
    await target.open(o.store);
    info = { ...(await target.describe()), openMs: round(now() - t0) };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { info: { unavailable: message }, workloads: [] };
  }
  const [kind, label] = phase.split(':') as [string, string | undefined];
  if (kind === 'writes') await writesPhase(target, o, results);
  else if (kind === 'sessions') await sessionsPhase(target, o, results);
  else if (kind === 'artifacts') await artifactsPhase(target, o, results);
  else if (kind === 'dataset') await datasetPhase(target, o, label!, results);
  else if (kind === 'cold') await coldPreparePhase(target, label!, results);
  else throw new Error(`unknown phase ${phase}`);
  if (atRest)
    await guarded(results, `memory.${label ?? kind}`, 'bulk', async () => ({ extra: await atRest() }));
  if (phase === 'dataset:1m' && o.fill !== false) await fillArtifacts(target, '1GB', results);
  await target.close();
  return { info, workloads: results };
}

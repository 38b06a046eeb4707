// What makes a run fail (the CI smoke test): a workload that did not complete, a read-back whose
// checksum differs from what was written, or targets that disagree. Speed is never a failure.

/** Targets that may report "unavailable" without failing the run (multi-tab is being built). */
const MAY_BE_UNAVAILABLE = new Set(['tk-follower']);

export function checkResults(results) {
  const problems = [];
  const byWorkload = new Map();
  for (const entry of results.phases) {
    const where = `${entry.phase} on ${entry.target}`;
    if (entry.error) problems.push(`${where}: ${entry.error}`);
    if (entry.info?.unavailable && !MAY_BE_UNAVAILABLE.has(entry.target)) {
      problems.push(`${where}: unavailable: ${entry.info.unavailable}`);
    }
    for (const w of entry.workloads ?? []) {
      if (w.error) problems.push(`${w.workload} on ${entry.target}: ${w.error}`);
      else if (w.expected !== undefined && w.checksum !== w.expected) {
        problems.push(`${w.workload} on ${entry.target}: read back ${w.checksum}, expected ${w.expected}`);
      }
      if (w.checksum !== undefined) {
        // A per-call workload folds every call it made into its checksum, and a time budget may
        // end a slow target's run early: only targets that made the same number of calls compare.
        // Merged reports (merge.mjs) compare targets only within the run that measured them.
        const run = entry.run === undefined ? '' : `, run ${entry.run + 1}`;
        const key = `${w.workload} (${w.stats?.n ?? w.items ?? ''} calls${run})`;
        const seen = byWorkload.get(key) ?? new Map();
        seen.set(entry.target, w.checksum);
        byWorkload.set(key, seen);
      }
    }
  }
  for (const [workload, seen] of byWorkload) {
    const values = new Set(seen.values());
    if (values.size > 1) {
      problems.push(`${workload}: targets disagree (${[...seen].map(([t, c]) => `${t}=${c}`).join(', ')})`);
    }
  }
  for (const cold of results.cold) {
    for (const run of cold.runs) {
      if (run.error) problems.push(`cold open ${cold.label} on ${cold.target}: ${run.error}`);
      else if (run.checksum !== run.expected) {
        problems.push(
          `cold open ${cold.label} on ${cold.target}: read back ${run.checksum}, expected ${run.expected}`,
        );
      }
    }
  }
  if (results.node?.error) problems.push(`node bench: ${results.node.error}`);
  if (results.size?.error) problems.push(`entry size: ${results.size.error}`);
  return problems;
}

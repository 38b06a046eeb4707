// Combines bench runs into one report: the newest run's figures for each (phase, target) and each
// (cold label, target) replace older ones. Every figure still compares targets measured in the same
// run (a phase runs all its targets in a row); the report lists which run gave which phases.
//
//   node bench/lib/merge.mjs <out.json> <older.json> <newer.json> [...]
import { readFileSync, writeFileSync } from 'node:fs';
import { checkResults } from './checks.mjs';

/** The entries that come from an older run than the newest entry of their group. */
function olderThanTheirGroup(entries, groupOf) {
  const newest = new Map();
  for (const e of entries) newest.set(groupOf(e), Math.max(newest.get(groupOf(e)) ?? 0, e.run));
  return entries.filter((e) => e.run !== newest.get(groupOf(e)));
}

export function mergeRuns(runs) {
  const merged = structuredClone(runs.at(-1));
  const phases = new Map();
  const cold = new Map();
  merged.sources = [];
  for (const [i, run] of runs.entries()) {
    for (const entry of run.phases) phases.set(`${entry.phase}\u0000${entry.target}`, { ...entry, run: i });
    for (const entry of run.cold) cold.set(`${entry.label}\u0000${entry.target}`, { ...entry, run: i });
    merged.sources.push({
      date: run.date,
      command: run.command,
      durationMs: run.durationMs,
      loadAverage: run.loadAverage,
      phases: [],
    });
    // Node figures and the entry size: the newest run that has them.
    if (run.node && !run.node.error) merged.node = run.node;
    if (run.size && !run.size.error) merged.size = run.size;
  }
  merged.phases = [...phases.values()];
  merged.cold = [...cold.values()];
  // A table some targets of which only an older run measured: their rows say so.
  const earlier = (entry) => `earlier run (${runs[entry.run].date.slice(0, 16)}Z)`;
  for (const entry of olderThanTheirGroup(merged.phases, (e) => e.phase)) {
    const note = earlier(entry);
    entry.workloads = entry.workloads.map((w) => ({ ...w, note: w.note ? `${note}; ${w.note}` : note }));
  }
  for (const entry of olderThanTheirGroup(merged.cold, (e) => e.label)) entry.note = earlier(entry);
  for (const entry of merged.phases) {
    const used = merged.sources[entry.run].phases;
    if (!used.includes(entry.phase)) used.push(entry.phase);
  }
  merged.problems = checkResults(merged);
  return merged;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [out, ...inputs] = process.argv.slice(2);
  if (!out || inputs.length < 2) {
    console.error('usage: node bench/lib/merge.mjs <out.json> <older.json> <newer.json> [...]');
    process.exit(2);
  }
  const runs = inputs.map((file) => JSON.parse(readFileSync(file, 'utf8')));
  writeFileSync(out, `${JSON.stringify(mergeRuns(runs), null, 1)}\n`);
}

// Combines bench runs into one report: the newest run's figures for each (phase, target) and each
// (cold label, target) replace older ones. Every figure still compares targets measured in the same
// run (a phase runs all its targets in a row); the report lists which run gave which phases.
//
//   node bench/lib/merge.mjs <out.json> <older.json> <newer.json> [...]
import { readFileSync, writeFileSync } from 'node:fs';
import { checkResults } from './checks.mjs';

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
  // A phase some targets of which only an older run measured: their rows say so.
  const newest = new Map();
  for (const entry of merged.phases)
    newest.set(entry.phase, Math.max(newest.get(entry.phase) ?? 0, entry.run));
  for (const entry of merged.phases) {
    if (entry.run === newest.get(entry.phase)) continue;
    const note = `earlier run (${runs[entry.run].date.slice(0, 16)}Z)`;
    entry.workloads = entry.workloads.map((w) => ({ ...w, note: w.note ? `${note}; ${w.note}` : note }));
  }
  for (const entry of merged.phases) {
    const used = merged.sources[entry.run].phases;
    if (!used.includes(entry.phase)) used.push(entry.phase);
  }
  merged.cold = [...cold.values()];
  const newestCold = new Map();
  for (const entry of merged.cold)
    newestCold.set(entry.label, Math.max(newestCold.get(entry.label) ?? 0, entry.run));
  for (const entry of merged.cold) {
    if (entry.run !== newestCold.get(entry.label))
      entry.note = `earlier run (${runs[entry.run].date.slice(0, 16)}Z)`;
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

/**
 * The whole contract suite (test/contract/) as one function, for runtimes that vitest cannot
 * enter. Bundled with 'vitest' replaced by ./vitest-shim.ts.
 */
import { contractSuite } from '../contract/suite.js';
import type { ContractTarget } from '../contract/target.js';
import { type RunReport, runRegistered } from './vitest-shim.js';

export type { RunReport } from './vitest-shim.js';

/** Runs the contract against each target in turn; one report per target label. */
export async function runContract(targets: ContractTarget[]): Promise<Record<string, RunReport>> {
  const reports: Record<string, RunReport> = {};
  for (const target of targets) {
    contractSuite(target);
    reports[target.label] = await runRegistered();
  }
  return reports;
}

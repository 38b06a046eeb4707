/**
 * Just enough of vitest's API for the contract suite to run where vitest cannot: inside Deno and
 * inside workerd. Bundled in place of 'vitest'; `expect` is vitest's own (@vitest/expect on chai),
 * so assertions mean exactly what they mean under vitest.
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  chai,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
} from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Fn = () => unknown;

export const expect = ((value: unknown, message?: string) =>
  chai.expect(value, message)) as unknown as typeof chai.expect & Record<string, unknown>;
Object.assign(expect, chai.expect);
Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
setState(
  { assertionCalls: 0, isExpectingAssertions: false, expectedAssertionsNumber: null },
  expect as never,
);

interface Suite {
  name: string;
  beforeEach: Fn[];
  afterEach: Fn[];
  parent: Suite | undefined;
}
interface Case {
  name: string;
  suite: Suite;
  fn: Fn | undefined;
}

const root: Suite = { name: '', beforeEach: [], afterEach: [], parent: undefined };
let current = root;
const cases: Case[] = [];

export function describe(name: string, body: () => void): void {
  const suite: Suite = { name, beforeEach: [], afterEach: [], parent: current };
  current = suite;
  try {
    body();
  } finally {
    current = suite.parent!;
  }
}

function register(name: string, fn: Fn | undefined): void {
  cases.push({ name, suite: current, fn });
}

export const it = Object.assign((name: string, fn: Fn) => register(name, fn), {
  skip: (name: string, _fn?: Fn) => register(name, undefined),
  runIf: (condition: unknown) => (name: string, fn: Fn) => register(name, condition ? fn : undefined),
  skipIf: (condition: unknown) => (name: string, fn: Fn) => register(name, condition ? undefined : fn),
});
export const test = it;

export function beforeEach(fn: Fn): void {
  current.beforeEach.push(fn);
}
export function afterEach(fn: Fn): void {
  current.afterEach.push(fn);
}

export interface RunReport {
  passed: number;
  skipped: number;
  failed: Array<{ name: string; error: string }>;
}

function chain(suite: Suite): Suite[] {
  const list: Suite[] = [];
  for (let s: Suite | undefined = suite; s; s = s.parent) list.unshift(s);
  return list;
}

/** Runs every registered test in order, each with its suites' hooks, and forgets them. */
export async function runRegistered(): Promise<RunReport> {
  const report: RunReport = { passed: 0, skipped: 0, failed: [] };
  for (const c of cases.splice(0)) {
    const suites = chain(c.suite);
    const name = [...suites.map((s) => s.name).filter(Boolean), c.name].join(' > ');
    if (!c.fn) {
      report.skipped++;
      continue;
    }
    let failure: unknown;
    try {
      for (const s of suites) for (const hook of s.beforeEach) await hook();
      await c.fn();
    } catch (error) {
      failure = error;
    }
    for (const s of suites.reverse()) {
      for (const hook of s.afterEach) {
        try {
          await hook();
        } catch (error) {
          failure ??= error;
        }
      }
    }
    if (failure === undefined) report.passed++;
    else
      report.failed.push({
        name,
        error: failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure),
      });
  }
  return report;
}

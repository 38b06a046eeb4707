/**
 * What the scripted agent's tools "return": a CSV table, a JSON document and a long build log,
 * generated from a seed. Big enough that reading them whole would be wasteful, which is the point
 * of `artifacts.drilldown`.
 */
import type { JsonObject } from '../src/index.js';
import { seededRandom } from './seeded-random.js';

export interface ToolOutput {
  name: string;
  mime: string;
  data: string;
  /** One line for the tool-result event and the reply. */
  summary: string;
  /** Facts the reply quotes, so the agent talks about what the artifact really holds. */
  facts: Record<string, string>;
  metadata: JsonObject;
}

const REGIONS = ['EU', 'US-East', 'US-West', 'APAC', 'LATAM'] as const;
const PRODUCTS = ['Starter plan', 'Team plan', 'Enterprise plan', 'Token pack 1M', 'Token pack 10M'] as const;
const PRICES = [19, 49, 399, 8, 70] as const;

export const SALES_ROWS = 1200;

/** Order ids are predictable (`ORD-10000` is row 0) so a person can check drilldown's row numbers. */
export function salesTable(seed: number): ToolOutput {
  const random = seededRandom(seed);
  const revenue = new Map<string, number>();
  const lines = ['order_id,date,region,product,units,unit_price,total'];
  const start = Date.UTC(2025, 6, 1);
  for (let i = 0; i < SALES_ROWS; i++) {
    const region = random.pick(REGIONS);
    const p = random.int(0, PRODUCTS.length - 1);
    const units = random.int(1, 40);
    const total = units * PRICES[p]!;
    revenue.set(region, (revenue.get(region) ?? 0) + total);
    const date = new Date(start + Math.floor((i / SALES_ROWS) * 92) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`ORD-${10000 + i},${date},${region},${PRODUCTS[p]},${units},${PRICES[p]},${total}`);
  }
  const ranked = [...revenue].sort((a, b) => b[1] - a[1]);
  const sum = ranked.reduce((s, [, v]) => s + v, 0);
  const [topRegion, topRevenue] = ranked[0]!;
  return {
    name: 'q3-sales.csv',
    mime: 'text/csv',
    data: `${lines.join('\n')}\n`,
    summary: `q3-sales.csv: ${SALES_ROWS} orders × 7 columns`,
    facts: {
      rows: String(SALES_ROWS),
      total: `$${sum.toLocaleString('en-US')}`,
      topRegion,
      topShare: `${Math.round((topRevenue / sum) * 100)}%`,
    },
    metadata: { tool: 'query_sales', rows: SALES_ROWS, columns: 7 },
  };
}

export function serviceConfig(seed: number): ToolOutput {
  const random = seededRandom(seed);
  const deployments = Array.from({ length: 400 }, (_, i) => ({
    id: `dep-${String(i + 1).padStart(4, '0')}`,
    region: random.pick(REGIONS),
    replicas: random.int(1, 12),
    healthy: random.next() > 0.05,
  }));
  const config = {
    service: 'agent-gateway',
    version: `4.${random.int(0, 9)}.${random.int(0, 30)}`,
    owner: { team: 'platform', oncall: 'pager: #gateway-oncall' },
    limits: { maxTokens: 200_000, requestsPerMinute: 600, maxToolCalls: 16 },
    models: { default: 'scripted-1', fallback: 'scripted-1-mini', temperature: 0 },
    featureFlags: { streaming: true, toolUse: true, offlineMode: true, betaSearch: random.next() > 0.5 },
    regions: [...REGIONS],
    deployments,
  };
  const keys = Object.keys(config);
  return {
    name: 'agent-gateway.config.json',
    mime: 'application/json',
    data: JSON.stringify(config, null, 2),
    summary: `agent-gateway.config.json: ${keys.length} top-level keys, ${deployments.length} deployments`,
    facts: { version: config.version, deployments: String(deployments.length), maxTokens: '200 000' },
    metadata: { tool: 'fetch_config', keys },
  };
}

const STEPS = ['resolve', 'compile', 'bundle', 'test', 'lint', 'package'] as const;

export const LOG_LINES = 5000;

export function buildLog(seed: number): ToolOutput {
  const random = seededRandom(seed);
  const lines: string[] = [];
  let warnings = 0;
  let ms = 0;
  for (let i = 0; i < LOG_LINES - 1; i++) {
    ms += random.int(1, 16);
    const step = STEPS[Math.min(STEPS.length - 1, Math.floor((i / LOG_LINES) * STEPS.length))]!;
    const stamp = `[${(ms / 1000).toFixed(3).padStart(8, ' ')}s]`;
    if (random.next() < 0.0012) {
      warnings++;
      lines.push(
        `${stamp} WARN  ${step}: deprecated option "legacyDecorators" in module-${random.int(1, 900)}`,
      );
    } else {
      lines.push(
        `${stamp} INFO  ${step}: processed module-${random.int(1, 900)}.ts (${random.int(1, 90)} kB)`,
      );
    }
  }
  lines.push(`[${(ms / 1000).toFixed(3).padStart(8, ' ')}s] DONE  build succeeded with ${warnings} warnings`);
  return {
    name: 'build.log',
    mime: 'text/plain;charset=utf-8',
    data: lines.join('\n'),
    summary: `build.log: ${LOG_LINES} lines, ${warnings} warnings`,
    facts: { lines: String(LOG_LINES), warnings: String(warnings), seconds: (ms / 1000).toFixed(1) },
    metadata: { tool: 'run_build', lines: LOG_LINES },
  };
}

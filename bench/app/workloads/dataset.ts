/**
 * Datasets of sessions of 1 000 events: loading them, the first search, tail(50) and searches;
 * and the stores that a new page then opens cold.
 */
import {
  artifactBytes,
  benchEvent,
  eventRange,
  eventsChecksum,
  fnv,
  hex,
  prng,
  QUERIES,
  type Query,
  type ReadEvent,
  scanMatches,
} from '../data.js';
import {
  CHECKED_CALLS,
  checked,
  foldChecked,
  guarded,
  now,
  round,
  stats,
  timeCalls,
  type WorkloadResult,
} from '../measure.js';
import type { PhaseOptions } from '../runner.js';
import { SEARCH_LIMIT, type Target } from '../target.js';

export interface Dataset {
  label: string;
  sessions: number;
  perSession: number;
}

export function datasetFor(label: string): Dataset {
  const events = { '10k': 10_000, '30k': 30_000, '100k': 100_000, '1m': 1_000_000 }[label];
  if (!events) throw new Error(`unknown dataset ${label}`);
  return { label, sessions: events / 1000, perSession: 1000 };
}

export function datasetSessionId(i: number): string {
  return `d${String(i).padStart(5, '0')}`;
}

/** Per query: how many events match, and their keys while they fit in one page of hits. */
type Matches = Map<string, { count: number; keys: string[] }>;

/** Seeds the dataset, one append of 1 000 events per session; notes which events each query finds. */
async function seedDataset(
  target: Target,
  d: Dataset,
  results: WorkloadResult[],
): Promise<Matches | undefined> {
  const matches: Matches = new Map(QUERIES.map((q) => [q.name, { count: 0, keys: [] }]));
  const ok = await guarded(results, `seed.${d.label}`, 'bulk', async () => {
    let ms = 0;
    for (let s = 0; s < d.sessions; s++) {
      const id = datasetSessionId(s);
      const events = eventRange(id, 1, d.perSession);
      for (const e of events) {
        for (const q of QUERIES) {
          if (!scanMatches(e.content, q)) continue;
          const m = matches.get(q.name)!;
          if (++m.count <= SEARCH_LIMIT) m.keys.push(`${id}:${e.seq}`);
        }
      }
      const t0 = now();
      await target.appendBatch(id, events);
      ms += now() - t0;
    }
    return { totalMs: round(ms), items: d.sessions * d.perSession, note: 'appends of 1 000 events' };
  });
  return ok ? matches : undefined;
}

/**
 * How a search result is checked: when every match fits in one page, the exact set of events;
 * otherwise a full page of hits, each one an event that matches, with the content that was written.
 */
function searchChecksum(
  hits: readonly ReadEvent[],
  query: Query,
  m: { count: number; keys: string[] },
): { checksum: string; expected: string } {
  const bad = hits.filter(
    (h) => !scanMatches(h.content, query) || benchEvent(h.sessionId, h.seq).content !== h.content,
  ).length;
  const flag = bad > 0 ? `/${bad}wrong` : '';
  if (m.count <= SEARCH_LIMIT) {
    const keys = hits.map((h) => `${h.sessionId}:${h.seq}`).sort();
    return {
      checksum: `${hex(fnv(keys.join(',')))}/${hits.length}${flag}`,
      expected: `${hex(fnv([...m.keys].sort().join(',')))}/${m.count}`,
    };
  }
  return { checksum: `top${hits.length}${flag}`, expected: `top${SEARCH_LIMIT}` };
}

export async function datasetPhase(
  target: Target,
  o: PhaseOptions,
  label: string,
  results: WorkloadResult[],
): Promise<void> {
  const d = datasetFor(label);
  const matches = await seedDataset(target, d, results);
  if (!matches) return;
  const rare = QUERIES[0]!;

  await guarded(results, `search.first.${label}`, 'bulk', async () => {
    const t0 = now();
    const hits = await target.search(rare, SEARCH_LIMIT);
    const ms = now() - t0;
    return {
      totalMs: round(ms),
      note: target.searchKind === 'fts' ? 'indexes pending events, then searches' : 'scan',
      ...searchChecksum(hits, rare, matches.get(rare.name)!),
    };
  });

  const random = prng(42);
  const picks = Array.from({ length: 5000 }, () => datasetSessionId(Math.floor(random() * d.sessions)));
  await guarded(results, `tail50.${label}`, 'per-call', async () => {
    for (let i = 0; i < 20; i++) await target.tail(picks[picks.length - 1 - i]!, 50);
    const got: ReadEvent[][] = [];
    const { samples } = await timeCalls(
      o.quick ? 100 : 1000,
      async (i) => {
        got.push(await target.tail(picks[i]!, 50));
      },
      o.quick ? 2000 : 30_000,
      CHECKED_CALLS,
    );
    const { h, e } = foldChecked(
      got.map((events) => hex(eventsChecksum(events))),
      (i) => hex(eventsChecksum(eventRange(picks[i]!, d.perSession - 49, 50))),
    );
    return { stats: stats(samples), ...checked(h, e) };
  });

  for (const query of QUERIES) {
    const fts = target.searchKind === 'fts';
    await guarded(results, `search.${query.name}.${label}`, 'per-call', async () => {
      const m = matches.get(query.name)!;
      let last: ReadEvent[] = [];
      for (let i = 0; i < (fts ? 3 : o.quick ? 0 : 1); i++) last = await target.search(query, SEARCH_LIMIT);
      const budget = fts ? (o.quick ? 1500 : 15_000) : o.quick ? 1500 : 30_000;
      const count = fts ? (o.quick ? 20 : 200) : o.quick ? 2 : 10;
      const { samples } = await timeCalls(
        count,
        async () => {
          last = await target.search(query, SEARCH_LIMIT);
        },
        budget,
        fts ? 10 : 2,
      );
      return {
        stats: stats(samples),
        note: fts ? `FTS5; ${m.count} events match` : `scan (no full-text index); ${m.count} events match`,
        ...searchChecksum(last, query, m),
      };
    });
  }
  results.push({ workload: `stored.${label}`, kind: 'bulk', extra: { bytes: await target.storedBytes() } });
}

/** Seeds a store for the cold-open measurement; the caller closes it and opens a new page. */
export async function coldPreparePhase(
  target: Target,
  label: string,
  results: WorkloadResult[],
): Promise<void> {
  const d = datasetFor(coldDataset(label));
  const matches = await seedDataset(target, d, results);
  if (!matches) return;
  // Index everything now, so the cold open measures a store at rest, not one with work queued.
  await target.search(QUERIES[0]!, SEARCH_LIMIT);
  results.push({
    workload: `stored.cold.${label}`,
    kind: 'bulk',
    extra: { bytes: await target.storedBytes() },
  });
}

/** The events behind a cold-open store: 30 000 (about 10 MB), or the 1 000 000 of `dataset:1m`. */
function coldDataset(label: string): string {
  return label === '10MB' ? '30k' : '1m';
}

/** Tops a 1 000 000-event store up to about 1 GB with 50 MB artifacts (tool outputs, logs). */
export async function fillArtifacts(target: Target, label: string, results: WorkloadResult[]): Promise<void> {
  if (label !== '1GB') return;
  await guarded(results, 'fill.1GB', 'bulk', async () => {
    const bytes = artifactBytes(50 * 1024 * 1024);
    const t0 = now();
    for (let i = 0; i < 14; i++) await target.putArtifact(`fill-${i}`, bytes);
    return { totalMs: round(now() - t0), items: 14 * bytes.byteLength, note: '14 artifacts of 50 MB' };
  });
}

/** The session a cold open reads, and its expected tail checksum. */
export function coldSession(label: string): { sessionId: string; expected: string } {
  const d = datasetFor(coldDataset(label));
  const sessionId = datasetSessionId(d.sessions - 1);
  return { sessionId, expected: hex(eventsChecksum(eventRange(sessionId, d.perSession - 49, 50))) };
}

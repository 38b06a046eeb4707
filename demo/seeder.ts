/**
 * Fills the store with 10 000 or 100 000 events so a person can feel the speed: 10 000-event
 * chats, appended in batches (each batch is one transaction, which is how bulk import should
 * be done), reporting progress after each.
 */
import type { Store } from '../src/index.js';
import { EVENTS_PER_SESSION, seedBatch } from './seed-content.js';

/** Events per `append`: big enough to amortise a commit, small enough for a smooth progress bar. */
const BATCH = 1000;

export interface SeedResult {
  sessionIds: string[];
  events: number;
  ms: number;
}

export async function seedEvents(
  store: Store,
  total: number,
  onProgress: (done: number) => void,
  signal: AbortSignal,
): Promise<SeedResult> {
  const started = performance.now();
  const existing = (await store.info()).counts.sessions;
  const sessionIds: string[] = [];
  const sessions = Math.ceil(total / EVENTS_PER_SESSION);
  let done = 0;
  for (let s = 0; s < sessions && !signal.aborted; s++) {
    const size = Math.min(EVENTS_PER_SESSION, total - s * EVENTS_PER_SESSION);
    const session = await store.sessions.create({
      title: `Seeded chat ${existing + s + 1} · ${size.toLocaleString('en-US')} events`,
      // The chat's index picks its reference words, so seeding again adds new ones.
      metadata: { seeded: true, seedIndex: existing + s },
    });
    sessionIds.push(session.id);
    const startTime = Date.now() - size * 20_000;
    for (let from = 0; from < size && !signal.aborted; from += BATCH) {
      const batch = seedBatch(existing + s, from, Math.min(size, from + BATCH), startTime);
      await store.events.append(session.id, batch);
      done += batch.length;
      onProgress(done);
    }
  }
  return { sessionIds, events: done, ms: performance.now() - started };
}

/**
 * Made-up but plausible conversation text for the seeder. Each event carries a reference word
 * unique in the whole seed (`referenceFor`), so a test or a person can search for one message
 * among 100 000 and land on it.
 */
import type { EventInput } from '../src/index.js';
import { seededRandom } from './seeded-random.js';

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ru',
  'se',
  'ta',
  'vo',
  'ne',
  'pi',
  'zu',
  'da',
  'fe',
  'go',
  'hu',
  'ji',
  'be',
];

/** A 10-letter word unique to `index` (16^5 of them), e.g. "kalomiruse". */
export function referenceFor(index: number): string {
  let word = '';
  let n = index;
  for (let i = 0; i < 5; i++) {
    word += SYLLABLES[n % 16];
    n = Math.floor(n / 16);
  }
  return word;
}

const TOPICS = [
  'the deploy pipeline',
  'p95 latency on the search endpoint',
  'the cache hit rate',
  'OPFS storage quotas',
  'retry budgets for tool calls',
  'the invoice export',
  'the schema migration',
  'token usage this week',
  'the onboarding flow',
  'flaky end-to-end tests',
] as const;

const QUESTIONS = [
  'Can you summarise where we are on {topic}?',
  'What changed in {topic} since yesterday?',
  'Is {topic} something we should worry about before the release?',
  'Draft a short note to the team about {topic}.',
  'Which numbers matter most for {topic}?',
] as const;

const ANSWERS = [
  'The short version: {topic} is stable, and the last three runs stayed within budget.',
  'Two things stand out for {topic}: the error rate dropped after the fix, and the slowest step is now the upload.',
  'I compared this week with last week; {topic} improved by about {n}% once the cache warmed up.',
  'Nothing blocks the release, but {topic} needs an owner for the follow-up.',
  'Here is a draft: "Quick update on {topic}. Numbers are in the dashboard; ping me with questions."',
  'Looking at the logs, {topic} had {n} retries overnight, all recovered without manual steps.',
] as const;

export const EVENTS_PER_SESSION = 10_000;

/** Events `from` to `to` (exclusive) of seeded session `session`, as one append batch. */
export function seedBatch(session: number, from: number, to: number, startTime: number): EventInput[] {
  const batch: EventInput[] = [];
  for (let i = from; i < to; i++) {
    const global = session * EVENTS_PER_SESSION + i;
    const random = seededRandom(global + 1);
    const topic = random.pick(TOPICS);
    const user = i % 2 === 0;
    const template = user ? random.pick(QUESTIONS) : random.pick(ANSWERS);
    let text = template.replace('{topic}', topic).replace('{n}', String(random.int(2, 40)));
    if (!user && random.next() < 0.4)
      text += ` ${random
        .pick(ANSWERS)
        .replace('{topic}', random.pick(TOPICS))
        .replace('{n}', String(random.int(2, 40)))}`;
    text += ` (ref ${referenceFor(global)})`;
    batch.push({
      role: user ? 'user' : 'assistant',
      content: text,
      tokens: Math.ceil(text.length / 4),
      createdAt: startTime + i * 20_000,
      metadata: { seeded: true },
    });
  }
  return batch;
}

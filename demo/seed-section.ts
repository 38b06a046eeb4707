/**
 * "Feel the speed": seeds 10 000 or 100 000 events with a progress bar, a Stop button and the
 * events per second at the end, then offers to open what it wrote.
 */
import type { Store } from '../src/index.js';
import { el, replaceChildren } from './elements.js';
import { formatCount, formatSeconds } from './format.js';
import { seedEvents } from './seeder.js';
import { runAction } from './toasts.js';

export interface SeedSectionHooks {
  store(): Store;
  open(sessionId: string): void;
  seeded(): Promise<void>;
}

export function seedSection(hooks: SeedSectionHooks): HTMLElement {
  const status = el('div', { class: 'seed-status' });
  let seeding = false;

  const seed = (total: number) => {
    if (seeding) return;
    seeding = true;
    const controller = new AbortController();
    const progress = el('progress', {
      max: total,
      value: 0,
      'aria-label': `Seeding ${formatCount(total)} events`,
    });
    const label = el('span', { class: 'seed-count' }, `0 of ${formatCount(total)} events`);
    const started = performance.now();
    replaceChildren(
      status,
      progress,
      label,
      el(
        'button',
        { type: 'button', class: 'button button--small', onclick: () => controller.abort() },
        'Stop',
      ),
    );
    const onProgress = (done: number) => {
      progress.value = done;
      label.textContent = `${formatCount(done)} of ${formatCount(total)} events · ${formatSeconds(performance.now() - started)}`;
    };
    void runAction('Seeding', async () => {
      try {
        const result = await seedEvents(hooks.store(), total, onProgress, controller.signal);
        const perSecond = result.events / Math.max(result.ms / 1000, 0.001);
        const first = result.sessionIds[0];
        replaceChildren(
          status,
          el(
            'p',
            { role: 'status' },
            `${controller.signal.aborted ? 'Stopped after' : 'Seeded'} ${formatCount(result.events)} events in ${formatSeconds(result.ms)} (${formatCount(perSecond)} events/s). `,
          ),
          first &&
            el(
              'button',
              { type: 'button', class: 'button button--primary', onclick: () => hooks.open(first) },
              'Open the seeded chat',
            ),
        );
        await hooks.seeded();
      } catch (error) {
        replaceChildren(status);
        throw error;
      } finally {
        seeding = false;
      }
    });
  };

  return el(
    'section',
    { 'aria-labelledby': 'seed-title' },
    el('h3', { id: 'seed-title' }, 'Feel the speed'),
    el(
      'p',
      {},
      'Adds chats of 10 000 events each, written in batches of 1 000 per transaction. Open one and scroll.',
    ),
    el(
      'div',
      { class: 'button-row' },
      el('button', { type: 'button', class: 'button', onclick: () => seed(10_000) }, 'Seed 10 000 events'),
      el('button', { type: 'button', class: 'button', onclick: () => seed(100_000) }, 'Seed 100 000 events'),
    ),
    status,
  );
}

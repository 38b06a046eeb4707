/** Writes: a durable single append, batches of 10 to 10 000, and a streamed reply. */
import { type BenchEvent, benchEvent, eventRange, eventsChecksum, eventText } from '../data.js';
import {
  checked,
  guarded,
  now,
  round,
  sessionChecksum,
  stats,
  timeCalls,
  type WorkloadResult,
} from '../measure.js';
import type { PhaseOptions } from '../runner.js';
import type { Target } from '../target.js';

export async function writesPhase(target: Target, o: PhaseOptions, results: WorkloadResult[]): Promise<void> {
  const singles = o.quick ? 150 : 1000;
  await guarded(results, 'append.single', 'per-call', async () => {
    for (let i = 1; i <= (o.quick ? 30 : 100); i++) await target.appendOne(benchEvent('warm-single', i));
    const { samples } = await timeCalls(singles, (i) => target.appendOne(benchEvent('single', i + 1)));
    return { stats: stats(samples), items: singles, ...(await sessionChecksum(target, 'single', singles)) };
  });

  const batches: Array<[size: number, count: number, warm: number]> = o.quick
    ? [
        [10, 20, 3],
        [100, 5, 2],
        [1000, 3, 1],
        [10_000, 1, 0],
      ]
    : [
        [10, 200, 10],
        [100, 50, 5],
        [1000, 20, 2],
        [10_000, 8, 1],
      ];
  for (const [size, count, warm] of batches) {
    await guarded(results, `append.batch${size}`, 'per-call', async () => {
      const warmId = `warm-batch${size}`;
      for (let j = 0; j < warm; j++) await target.appendBatch(warmId, eventRange(warmId, j * size + 1, size));
      const id = `batch${size}`;
      const prepared = Array.from({ length: count }, (_, j) => eventRange(id, j * size + 1, size));
      const { samples, total } = await timeCalls(count, (j) => target.appendBatch(id, prepared[j]!));
      return {
        stats: stats(samples),
        totalMs: round(total),
        items: size * count,
        ...(await sessionChecksum(target, id, size * count)),
      };
    });
  }

  const streams = o.quick ? 1 : 3;
  await guarded(results, 'stream.patch', 'per-call', async () => {
    const patches = 500;
    const reply = replyText(2000);
    const runStream = async (sessionId: string, seq: number, n: number, samples: number[] | null) => {
      const event: BenchEvent = { ...benchEvent(sessionId, seq), role: 'assistant', content: reply };
      const handle = await target.startPartial(event);
      const step = Math.ceil(reply.length / n);
      for (let i = 1; i <= n; i++) {
        const content = reply.slice(0, Math.min(reply.length, i * step));
        const t0 = now();
        await target.patchPartial(handle, event, content);
        samples?.push(now() - t0);
      }
      await target.completePartial(handle, event, reply);
    };
    await runStream('warm-stream', 1, 50, null);
    const samples: number[] = [];
    const start = now();
    for (let s = 1; s <= streams; s++) await runStream('stream', s, patches, samples);
    const read = await target.readSession('stream');
    const expected = Array.from({ length: streams }, (_, i) => ({
      sessionId: 'stream',
      seq: i + 1,
      content: reply,
    }));
    return {
      stats: stats(samples),
      totalMs: round(now() - start),
      items: patches * streams,
      note: `${streams} replies of ${patches} patches (${reply.length} chars)`,
      ...checked(eventsChecksum(read), eventsChecksum(expected)),
    };
  });
}

function replyText(length: number): string {
  let text = '';
  for (let i = 1; text.length < length; i++) text += `${eventText('reply', i)} `;
  return text.slice(0, length);
}

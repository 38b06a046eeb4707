/** Artifacts of 10 KB to 100 MB: put, get, and a drilldown of 20 lines from the middle. */
import { artifactBytes, fnv, fnvBytes, sliceLines } from '../data.js';
import { checked, guarded, stats, timeCalls, type WorkloadResult } from '../measure.js';
import type { PhaseOptions } from '../runner.js';
import type { Target } from '../target.js';

const SIZES: Array<[label: string, bytes: number]> = [
  ['10KB', 10 * 1024],
  ['1MB', 1024 * 1024],
  ['10MB', 10 * 1024 * 1024],
  ['100MB', 100 * 1024 * 1024],
];

export async function artifactsPhase(
  target: Target,
  o: PhaseOptions,
  results: WorkloadResult[],
): Promise<void> {
  const warm = artifactBytes(10 * 1024);
  await target.putArtifact('warm', warm);
  await target.getArtifact('warm');
  await target.drilldown('warm', 10, 20);
  const decoder = new TextDecoder();
  // --quick stops at 10 MB: a 100 MB put takes seconds on some targets, and CI only checks completion.
  for (const [label, size] of o.quick ? SIZES.slice(0, 3) : SIZES) {
    const count = size >= 10 * 1024 * 1024 ? (o.quick ? 2 : 3) : o.quick ? 5 : 10;
    const bytes = artifactBytes(size);
    const handles = Array.from({ length: count }, (_, i) => `a-${label}-${i}`);
    const lineCount = decoder.decode(bytes.subarray(0, Math.min(size, 1 << 20))).split('\n').length;
    // A window of 20 lines in the middle of the artifact.
    const mid = Math.floor((lineCount * Math.max(1, size / (1 << 20))) / 2);
    const put = await guarded(results, `artifact.put.${label}`, 'per-call', async () => {
      const { samples } = await timeCalls(count, (i) => target.putArtifact(handles[i]!, bytes));
      return { stats: stats(samples), items: size * count };
    });
    if (!put) continue;
    await guarded(results, `artifact.get.${label}`, 'per-call', async () => {
      let got: Uint8Array | undefined;
      const { samples } = await timeCalls(count, async (i) => {
        got = await target.getArtifact(handles[i]!);
      });
      return { stats: stats(samples), items: size * count, ...checked(fnvBytes(got!), fnvBytes(bytes)) };
    });
    await guarded(results, `artifact.drilldown.${label}`, 'per-call', async () => {
      let text = '';
      const { samples } = await timeCalls(count, async (i) => {
        text = await target.drilldown(handles[i]!, mid, mid + 20);
      });
      const expected = sliceLines(decoder.decode(bytes), mid, mid + 20);
      return {
        stats: stats(samples),
        note: `lines ${mid}–${mid + 20}`,
        ...checked(fnv(text), fnv(expected)),
      };
    });
  }
}

/**
 * The bench page's own worker for bare sahpool: it runs the workloads itself, so the figures have
 * no thread hop in them, and posts the results back.
 */
import { eventsChecksum, hex } from '../data.js';
import { coldSession, runPhase } from '../runner.js';
import { SahpoolTarget } from './sahpool-core.js';

export type SahpoolRequest =
  | { type: 'phase'; phase: string; store: string; quick: boolean; memory: boolean; fill: boolean }
  | { type: 'cold'; store: string; label: string };

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<SahpoolRequest>) => void): void;
};

scope.addEventListener('message', async (event) => {
  const request = event.data;
  try {
    if (request.type === 'phase') {
      const target = new SahpoolTarget();
      const atRest = request.memory ? async () => ({ wasmHeapBytes: target.wasmBytes() }) : undefined;
      const result = await runPhase(
        target,
        request.phase,
        { quick: request.quick, store: request.store },
        atRest,
      );
      scope.postMessage({ ok: true, result });
    } else {
      const target = new SahpoolTarget();
      const { sessionId } = coldSession(request.label);
      await target.open(request.store);
      const tail = await target.tail(sessionId, 50);
      scope.postMessage({ ok: true, result: { checksum: hex(eventsChecksum(tail)), count: tail.length } });
      await target.close();
    }
  } catch (error) {
    scope.postMessage({
      ok: false,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
});

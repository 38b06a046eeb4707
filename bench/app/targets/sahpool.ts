/** The page's handle on the bare-sahpool worker: starts it and relays one request at a time. */
import type { SahpoolRequest } from './sahpool.worker.js';

export class SahpoolWorker {
  readonly worker: Worker = new Worker(new URL('./sahpool.worker.ts', import.meta.url), { type: 'module' });

  request<T>(message: SahpoolRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      this.worker.onmessage = (event: MessageEvent<{ ok: boolean; result?: T; error?: string }>) => {
        if (event.data.ok) resolve(event.data.result as T);
        else reject(new Error(event.data.error));
      };
      this.worker.onerror = (event) => reject(new Error(`the sahpool worker failed: ${event.message}`));
      this.worker.postMessage(message);
    });
  }

  terminate(): void {
    this.worker.terminate();
  }
}

/**
 * The bench page. `bench/run.mjs` drives it through Playwright: `window.bench.runPhase(...)` runs
 * one phase for one target; a page loaded with `?cold=<target>&store=<name>&label=<size>` measures
 * a cold open (new page → first `tail(50)`) as soon as it loads, and leaves the result on
 * `window.coldResult`. Each target's code is a separate chunk, so a cold page loads only its own.
 */
import { eventsChecksum, hex } from './data.js';
import { coldSession, type PhaseResult, runPhase } from './runner.js';
import type { Target } from './target.js';
import type { SahpoolWorker } from './targets/sahpool.js';
import type { ThreadkeepTarget } from './targets/threadkeep.js';

const loaders: Record<string, () => Promise<Target>> = {
  'tk-opfs': async () => new (await import('./targets/threadkeep.js')).ThreadkeepTarget('opfs'),
  'tk-idb': async () => new (await import('./targets/threadkeep.js')).ThreadkeepTarget('indexeddb'),
  'tk-memory': async () => new (await import('./targets/threadkeep.js')).ThreadkeepTarget('memory'),
  'tk-follower': async () => new (await import('./targets/threadkeep.js')).FollowerTarget(),
  'idb-keyval': async () => new (await import('./targets/idb-keyval.js')).IdbKeyvalTarget(),
  'raw-idb': async () => new (await import('./targets/raw-idb.js')).RawIdbTarget(),
  dexie: async () => new (await import('./targets/dexie.js')).DexieTarget(),
};

async function sahpoolWorker(): Promise<SahpoolWorker> {
  return new (await import('./targets/sahpool.js')).SahpoolWorker();
}

interface MemoryWithBreakdown {
  bytes: number;
  breakdown: Array<{ bytes: number; types: string[]; attribution: Array<{ scope?: string; url?: string }> }>;
}

/** JS heap of this page, and every context's memory where the browser can measure it. */
async function measureMemory(): Promise<Record<string, unknown>> {
  (globalThis as { gc?: () => void }).gc?.();
  const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  const out: Record<string, unknown> = { mainThreadJsHeapBytes: heap?.usedJSHeapSize ?? null };
  // Set by bench/run.mjs: resident memory of the renderer processes, wasm heaps included.
  const rss = (globalThis as { benchRendererRss?: () => Promise<number | null> }).benchRendererRss;
  out.rendererRssBytes = rss ? await rss() : null;
  const measure = (
    performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<MemoryWithBreakdown> }
  ).measureUserAgentSpecificMemory;
  if (globalThis.crossOriginIsolated && measure) {
    const m = await measure.call(performance);
    const byScope: Record<string, number> = {};
    for (const b of m.breakdown) {
      for (const a of b.attribution) {
        const key = `${a.scope ?? 'shared'}${a.url ? ` ${new URL(a.url).pathname.split('/').pop()}` : ''}`;
        byScope[key] = (byScope[key] ?? 0) + b.bytes / Math.max(1, b.attribution.length);
      }
      if (b.attribution.length === 0) byScope.shared = (byScope.shared ?? 0) + b.bytes;
    }
    out.totalBytes = m.bytes;
    out.byScope = byScope;
  }
  return out;
}

let leader: ThreadkeepTarget | undefined;

const bench = {
  env() {
    return {
      userAgent: navigator.userAgent,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
    };
  },

  /** Removes every IndexedDB database and OPFS entry of this origin. */
  async wipe(): Promise<number | null> {
    for (const db of await indexedDB.databases()) {
      if (!db.name) continue;
      await new Promise<void>((resolve, reject) => {
        const r = indexedDB.deleteDatabase(db.name!);
        r.onsuccess = () => resolve();
        r.onerror = () => reject(r.error);
        r.onblocked = () =>
          reject(new Error(`deleting IndexedDB ${db.name} is blocked by an open connection`));
      });
    }
    // Cache Storage too: threadkeep notes its IndexedDB stores there, and an IndexedDB database
    // removed without deleteStore is a lost store to it, not a new one.
    for (const cache of await caches.keys()) await caches.delete(cache);
    const root = await navigator.storage.getDirectory();
    const names: string[] = [];
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    for (const name of names) await root.removeEntry(name, { recursive: true });
    return (await navigator.storage.estimate()).usage ?? null;
  },

  /** The first tab of the follower target: holds the store (as leader) while another page uses it. */
  async holdLeader(store: string): Promise<Record<string, unknown>> {
    leader = new (await import('./targets/threadkeep.js')).ThreadkeepTarget('opfs');
    await leader.open(store);
    return leader.describe();
  },

  /**
   * Handover: this page opens the store another page leads, checks it is a follower and makes one
   * call; `afterHandover` then makes the call that the leader's going away must not stall.
   */
  async openFollower(store: string): Promise<string> {
    leader = new (await import('./targets/threadkeep.js')).ThreadkeepTarget('opfs');
    await leader.open(store);
    await leader.store.events.append('handover', { role: 'user', content: 'warm' });
    return (await leader.store.info()).role;
  },

  /**
   * The append may still be answered by the closing leader's worker, which outlives its page for
   * a moment: the handover ends when this page leads, so that is waited for too (up to 10 s).
   */
  async afterHandover(): Promise<{ role: string; seq: number }> {
    const [event] = await leader!.store.events.append('handover', { role: 'user', content: 'after' });
    let role = (await leader!.store.info()).role;
    for (const started = Date.now(); role !== 'leader' && Date.now() - started < 10_000; ) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      role = (await leader!.store.info()).role;
    }
    return { role, seq: event!.seq };
  },

  async releaseLeader(): Promise<void> {
    await leader?.close();
    leader = undefined;
  },

  async runPhase(
    target: string,
    phase: string,
    options: { quick: boolean; store: string; memory: boolean; fill: boolean },
  ): Promise<PhaseResult> {
    const o = { quick: options.quick, store: options.store, fill: options.fill };
    let result: PhaseResult;
    if (target === 'sahpool') {
      const worker = await sahpoolWorker();
      try {
        result = await worker.request<PhaseResult>({ type: 'phase', phase, ...o, memory: options.memory });
        if (options.memory) {
          const memory = result.workloads.find((w) => w.workload.startsWith('memory.'));
          if (memory) memory.extra = { ...memory.extra, ...(await measureMemory()) };
        }
      } finally {
        worker.terminate();
      }
    } else {
      const loader = loaders[target];
      if (!loader) throw new Error(`unknown target ${target}`);
      result = await runPhase(await loader(), phase, o, options.memory ? measureMemory : undefined);
    }
    result.info.storageUsageBytes = (await navigator.storage.estimate()).usage ?? null;
    return result;
  },
};

(globalThis as unknown as { bench: typeof bench }).bench = bench;

export interface ColdResult {
  /** performance.now() when the first tail(50) resolved: time since the navigation started. */
  navToTailMs?: number;
  /** From importing the target's code to the first tail(50). */
  openToTailMs?: number;
  checksum?: string;
  expected?: string;
  info?: Record<string, unknown>;
  error?: string;
}

async function coldOpen(params: URLSearchParams): Promise<ColdResult> {
  const name = params.get('cold')!;
  const store = params.get('store')!;
  const label = params.get('label')!;
  const t0 = performance.now();
  try {
    let checksum: string;
    let info: Record<string, unknown> = {};
    if (name === 'sahpool') {
      const worker = await sahpoolWorker();
      checksum = (await worker.request<{ checksum: string }>({ type: 'cold', store, label })).checksum;
    } else {
      const target = await loaders[name]!();
      await target.open(store);
      checksum = hex(eventsChecksum(await target.tail(coldSession(label).sessionId, 50)));
      const t1 = performance.now();
      info = await target.describe();
      return {
        navToTailMs: t1,
        openToTailMs: t1 - t0,
        checksum,
        expected: coldSession(label).expected,
        info,
      };
    }
    const t1 = performance.now();
    return { navToTailMs: t1, openToTailMs: t1 - t0, checksum, expected: coldSession(label).expected, info };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

const params = new URLSearchParams(location.search);
if (params.has('cold')) {
  void coldOpen(params).then((result) => {
    (globalThis as unknown as { coldResult: ColdResult }).coldResult = result;
  });
}
document.getElementById('status')!.textContent = 'ready';

/**
 * A Worker for workerd (bundled as wrangler would: the `workerd` export condition, the
 * `sqlite3.wasm` import kept as a CompiledWasm module). Every store lives in a Durable Object,
 * through docs/edge.md's `durableObjectStorage`.
 */
// @ts-expect-error bundled from docs/edge.md
import { durableObjectStorage } from 'docs:durable-object-storage';
import type { KeyValueStorage } from '../../src/core/types.js';
import { deleteStore, openStore, ThreadkeepError } from '../../src/inprocess/index.js';
import { runContract } from './contract-runner.js';

interface DurableObjectState {
  storage: { list(): Promise<Map<string, unknown>> };
}
interface Env {
  CONTRACT: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(request: Request): Promise<Response> };
  };
}

export class ContractObject {
  readonly #state: DurableObjectState;
  readonly #storage: KeyValueStorage;

  constructor(state: DurableObjectState) {
    this.#state = state;
    this.#storage = durableObjectStorage(state.storage) as KeyValueStorage;
  }

  async fetch(request: Request): Promise<Response> {
    const storage = this.#storage;
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/contract') {
        return Response.json(
          await runContract([
            {
              label: 'memory',
              backend: 'memory',
              open: (options) => openStore({ ...options, backend: 'memory' }),
              durable: false,
              remove: (name) => deleteStore(name),
              ErrorClass: ThreadkeepError,
            },
            {
              label: 'kv (Durable Object)',
              backend: 'kv',
              open: (options) => openStore({ ...options, storage }),
              durable: true,
              remove: (name) => deleteStore(name, { storage }),
              ErrorClass: ThreadkeepError,
            },
          ]),
        );
      }
      if (pathname === '/write') {
        const store = await openStore({ name: 'kept', storage });
        // 300 KB: the journal's values exceed the key-value API's 128 KiB, so they are split.
        await store.artifacts.put({ handle: 'big', data: 'y'.repeat(300_000) });
        await store.events.append('s', [{ role: 'user', content: 'kept in a Durable Object' }]);
        await store.close();
        return Response.json({ written: true });
      }
      if (pathname === '/read') {
        const store = await openStore({ name: 'kept', storage });
        const events = await store.events.list('s');
        const big = await store.artifacts.text('big');
        const [hit] = await store.search('durable');
        const info = await store.info();
        await store.close();
        // workerd here does not enforce the 128 KiB limit itself: check that none was needed.
        const values = [...(await this.#state.storage.list()).values()] as Uint8Array[];
        return Response.json({
          largestValue: Math.max(...values.map((v) => v.byteLength)),
          contents: events.map((e) => e.content),
          bigLength: big?.length,
          snippet: hit?.snippet,
          info,
        });
      }
      return new Response('not found', { status: 404 });
    } catch (error) {
      return Response.json({ error: String(error), code: (error as ThreadkeepError).code }, { status: 500 });
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === '/memory') {
      // In the Worker itself, inside a request: SQLite was set up at module load.
      const store = await openStore({ name: 'scratch' });
      await store.events.append('s', { content: 'in a request' });
      const info = await store.info();
      const [hit] = await store.search('request');
      await store.close();
      return Response.json({
        backend: info.backend,
        sqliteVersion: info.sqliteVersion,
        snippet: hit?.snippet,
      });
    }
    return env.CONTRACT.get(env.CONTRACT.idFromName('threadkeep')).fetch(request);
  },
};

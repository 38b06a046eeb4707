/**
 * Running test code in a page of the test app (test/e2e/app) with threadkeep (`tk`), the storage
 * tools that reach a store's bytes beside threadkeep (`t`, app/storage-tools.ts) and the dataset
 * (`ds`, test/fixtures/dataset.ts) at hand. Used by the corruption and upgrade tests.
 */
import type { Page } from 'playwright';
import { repoRoot } from './harness.js';

/** Page-side modules: untyped, as page.evaluate's arguments are. */
export type PageEnv = { tk: any; t: any; ds: any };

/** Runs `fn(env, arg)` in `page`; `fn` is sent as text, so it may use only its arguments. */
export function inPage<A, R>(page: Page, fn: (env: PageEnv, arg: A) => Promise<R>, arg: A): Promise<R> {
  return page.evaluate(
    async ({ source, arg, datasetUrl }) => {
      // Functions built from text in the page: the test runner rewrites an import() written here.
      const load = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
      const env = {
        tk: (globalThis as { tk?: unknown }).tk,
        t: await load('/storage-tools.ts'),
        ds: await load(datasetUrl),
      };
      return (new Function(`return (${source})`)() as (env: unknown, arg: unknown) => Promise<unknown>)(
        env,
        arg,
      );
    },
    { source: fn.toString(), arg, datasetUrl: `/@fs${repoRoot}/test/fixtures/dataset.ts` },
  ) as Promise<R>;
}

/** Size of the header sqlite-wasm's opfs-sahpool VFS puts before each file's bytes. */
export const SAHPOOL_HEADER = 4096;

/** The pool file that holds the store's database, and the database's bytes (without the pool's header). */
export async function databaseFile(page: Page, name: string): Promise<{ path: string; data: Uint8Array }> {
  const files = await inPage(
    page,
    async ({ t }, n) => t.opfsFiles(n) as Promise<Record<string, string>>,
    name,
  );
  for (const [path, base64] of Object.entries(files)) {
    const bytes = Buffer.from(base64, 'base64');
    const header = bytes.subarray(0, 512);
    if (header.subarray(0, header.indexOf(0)).toString() === '/threadkeep.sqlite3') {
      return { path, data: new Uint8Array(bytes.subarray(SAHPOOL_HEADER)) };
    }
  }
  throw new Error(`no pool file of store "${name}" holds its database`);
}

/**
 * Bundles a test entry for a runtime that cannot resolve TypeScript or this repo's files: the
 * contract suite and its vitest shim go in; what the runtime must resolve itself (the installed
 * threadkeep package for Deno; the compiled `sqlite3.wasm` module for workerd) stays an import.
 */
import { join } from 'node:path';
import { build, type Plugin } from 'vite';
import { repoRoot } from './package-copy.js';

export interface BundleOptions {
  entry: string;
  outDir: string;
  /** Export conditions used to resolve packages, most specific first. */
  conditions: string[];
  /** Specifiers left as imports, mapped to what the output imports instead. */
  external?: Record<string, string>;
  /** Specifiers resolved as this package name from `resolveFrom` (a user's project). */
  redirect?: Record<string, string>;
  resolveFrom?: string;
  /** Modules given as source text, by specifier (TypeScript). */
  sources?: Record<string, string>;
}

/** Writes `<outDir>/entry.mjs`. */
export async function bundleEntry(options: BundleOptions): Promise<string> {
  const keep: Plugin = {
    name: 'threadkeep-test-externals',
    enforce: 'pre',
    async resolveId(id) {
      const external = options.external?.[id];
      if (external !== undefined) return { id: external, external: true };
      const redirect = options.redirect?.[id];
      if (redirect !== undefined) {
        const importer = join(options.resolveFrom ?? repoRoot, 'entry.js');
        return this.resolve(redirect, importer, { skipSelf: true });
      }
      if (options.sources?.[id] !== undefined) return `/virtual/${encodeURIComponent(id)}.ts`;
      return null;
    },
    load(id) {
      const match = /^\/virtual\/(.+)\.ts$/.exec(id);
      return match ? options.sources?.[decodeURIComponent(match[1]!)] : null;
    },
  };
  await build({
    configFile: false,
    root: repoRoot,
    logLevel: 'warn',
    plugins: [keep],
    resolve: { alias: { vitest: join(repoRoot, 'test/edge/vitest-shim.ts') } },
    ssr: {
      target: 'webworker',
      noExternal: true,
      resolve: { conditions: options.conditions, externalConditions: options.conditions },
    },
    build: {
      ssr: options.entry,
      outDir: options.outDir,
      emptyOutDir: false,
      minify: false,
      target: 'esnext',
      rolldownOptions: {
        output: { entryFileNames: 'entry.mjs', codeSplitting: false },
        checks: { bundlerTimings: false },
      },
    },
  });
  return join(options.outDir, 'entry.mjs');
}

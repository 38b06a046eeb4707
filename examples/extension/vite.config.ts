// Builds the extension into dist/ (load it with chrome://extensions → "Load unpacked"): the side
// panel and the offscreen document as pages, the service worker as `background.js` at the root,
// where manifest.json (copied from public/) names it. threadkeep's worker and sqlite3.wasm are
// emitted as assets next to them, as in any Vite app.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: './',
  // sqlite-wasm finds its .wasm next to its module through import.meta.url; pre-bundling would move it.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false } } },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // No modulepreload polyfill: the service worker has no document to put links in.
    modulePreload: false,
    rolldownOptions: {
      input: {
        sidepanel: resolve(here, 'sidepanel.html'),
        offscreen: resolve(here, 'offscreen.html'),
        background: resolve(here, 'background.ts'),
      },
      output: {
        entryFileNames: (chunk) =>
          chunk.name === 'background' ? 'background.js' : 'assets/[name]-[hash].js',
      },
      checks: { bundlerTimings: false },
    },
  },
});

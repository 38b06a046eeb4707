// Builds the demo page as a user's Vite app would build threadkeep: the library from source, its
// worker and sqlite3.wasm emitted as assets next to the page.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the built folder works from any path on any static server.
  base: './',
  // sqlite-wasm finds its .wasm next to its module through import.meta.url; pre-bundling would move it.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false } } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The timing report is for people tuning plugins, not for someone starting the demo.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  preview: { host: '127.0.0.1' },
});

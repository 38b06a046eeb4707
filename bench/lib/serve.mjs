// Builds the bench page with Vite (as a user's app would ship it: bundled, minified, the worker and
// sqlite3.wasm as separate files) and serves it from a small static server.
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { build } from 'vite';

export const repoRoot = resolve(import.meta.dirname, '../..');

export async function buildBenchApp() {
  const outDir = mkdtempSync(join(tmpdir(), 'threadkeep-bench-'));
  await build({
    root: join(repoRoot, 'bench/app'),
    configFile: false,
    logLevel: 'warn',
    base: './',
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: true, reportCompressedSize: false },
    worker: { format: 'es' },
    optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  });
  return { outDir, dispose: () => rmSync(outDir, { recursive: true, force: true }) };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
};

/**
 * Serves `dir`. Pages are cross-origin isolated (COOP + COEP), which gives performance.now() a
 * 5 µs resolution instead of 100 µs, except with `?cold=…`: a cold open is measured as most apps
 * run, without isolation (in an isolated page sqlite-wasm also starts its OPFS proxy workers).
 */
export async function serveDir(dir) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = normalize(decodeURIComponent(url.pathname));
    if (path.endsWith('/')) path += 'index.html';
    const file = join(dir, path);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    let size;
    try {
      size = statSync(file).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const headers = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'max-age=3600',
    };
    if (extname(file) === '.html' && !url.searchParams.has('cold')) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    }
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

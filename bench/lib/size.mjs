// The main-thread entry's size: src/index.ts bundled for the browser with Vite (minified, comlink
// included, every export kept), counting the entry chunk and the chunks it imports statically. Not
// counted: the worker (its own chunk, loaded by `new Worker(new URL(…))`), sqlite3.wasm, and chunks
// loaded only by dynamic import (the in-process engine, used where no worker can run); they are
// listed apart. An app build, not library mode: library mode would inline sqlite3.wasm as base64.
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'vite';
import { repoRoot } from './serve.mjs';

export async function measureEntrySize() {
  const output = await build({
    root: repoRoot,
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      reportCompressedSize: false,
      rollupOptions: { input: 'src/index.ts', preserveEntrySignatures: 'strict' },
    },
    worker: { format: 'es' },
  });
  const outputs = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
  const chunks = new Map(outputs.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const entry = [...chunks.values()].find((c) => c.isEntry);
  if (!entry) throw new Error('no entry chunk in the build');
  const counted = new Set();
  const visit = (name) => {
    if (counted.has(name)) return;
    counted.add(name);
    for (const dep of chunks.get(name)?.imports ?? []) visit(dep);
  };
  visit(entry.fileName);
  const measure = (code) => {
    const bytes = Buffer.from(code);
    return {
      bytes: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes).length,
    };
  };
  const entryCode = [...counted].map((n) => chunks.get(n)?.code ?? '').join('\n');
  const others = outputs
    .filter((o) => !counted.has(o.fileName))
    .map((o) => ({
      file: o.fileName,
      ...(o.type === 'chunk'
        ? measure(o.code)
        : { bytes: typeof o.source === 'string' ? Buffer.byteLength(o.source) : o.source.length }),
    }));
  return { entry: { files: [...counted], ...measure(entryCode) }, notCounted: others };
}

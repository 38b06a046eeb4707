// `npm run demo`: builds the demo page (demo/) with Vite, then serves the built files on localhost
// with Vite's static preview server and prints the address. `--port <n>` picks the port (0: any
// free one, as the tests use); `--host <name>` the interface (default 127.0.0.1, this machine only).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, preview } from 'vite';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4173' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo: --port "${values.port}" is not a port number (0 to 65535)`);
  process.exit(2);
}

const configFile = resolve(import.meta.dirname, '../demo/vite.config.ts');
await build({ configFile, logLevel: 'warn' });
const server = await preview({
  configFile,
  logLevel: 'warn',
  // A taken default port moves to the next free one rather than failing a person's first run.
  preview: { port, host: values.host, strictPort: false, open: false },
});
const address = server.httpServer.address();
if (!address || typeof address === 'string') {
  console.error('demo: the preview server is not listening');
  process.exit(1);
}
const host = values.host.includes(':') ? `[${values.host}]` : values.host;
const url = `http://${host}:${address.port}/`;
console.log(`threadkeep demo: ${url}`);
console.log('Open it in Chromium, Edge, Firefox or Safari; press Ctrl+C to stop.');

const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

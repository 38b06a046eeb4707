/** The dedicated worker that holds a threadkeep store: the core, handed to comlink. */
import { expose } from 'comlink';
import { loadSqlite } from '../src/backends/load-sqlite.js';
import { createWorkerHost } from '../src/client/worker-host.js';

// This worker exists to hold a store, so SQLite (fetching and compiling its wasm, ~1 MB) starts
// loading now, while the main thread is still sending the open call — on a page that is busy
// starting up, that message can take a while to come. A failure here is reported by that open,
// which loads again.
loadSqlite().catch(() => {});

expose(createWorkerHost());

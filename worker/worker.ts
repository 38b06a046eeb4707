/** The dedicated worker that holds a threadkeep store: the core, handed to comlink. */
import { expose } from 'comlink';
import { createWorkerHost } from '../src/client/worker-host.js';

expose(createWorkerHost());

import { describe } from 'vitest';
import { deleteStore, openStore } from '../../src/client/open-store.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import { contractSuite } from '../contract/suite.js';

// The same contract as in Node, through the dedicated worker and comlink, as users call it.
describe('contract, in Chromium through the worker', () => {
  for (const backend of ['opfs', 'indexeddb', 'memory'] as const) {
    contractSuite({
      label: backend,
      backend,
      open: (options) => openStore({ ...options, backend }),
      durable: backend !== 'memory',
      remove: (name) => deleteStore(name),
      ErrorClass: ThreadkeepError,
    });
  }
});

import { describe } from 'vitest';
import { memoryStorage } from '../../src/backends/memory-storage.js';
import { ThreadkeepError } from '../../src/core/errors.js';
import { deleteStore, openStore } from '../../src/inprocess/open-store.js';
import { contractSuite } from '../contract/suite.js';

describe('contract, in process', () => {
  contractSuite({
    label: 'memory',
    backend: 'memory',
    open: (options) => openStore({ ...options, backend: 'memory' }),
    durable: false,
    remove: (name) => deleteStore(name),
    ErrorClass: ThreadkeepError,
  });

  const storage = memoryStorage();
  contractSuite({
    label: 'kv',
    backend: 'kv',
    open: (options) => openStore({ ...options, backend: 'kv', storage }),
    durable: true,
    remove: (name) => deleteStore(name, { storage }),
    ErrorClass: ThreadkeepError,
  });
});

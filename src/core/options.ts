/** Checks `openStore` options; shared by every runtime so they all refuse the same bad values. */
import { describeValue, invalid } from './errors.js';
import type { Backend, Durability, KeyValueStorage } from './types.js';
import { checkBoolean, checkEnum, checkOptions, readingInput } from './validate.js';

const STORE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface CheckedOpenOptions {
  name: string;
  backend: 'auto' | Backend;
  durability: Durability;
  requestPersistence: boolean;
  storage: KeyValueStorage | undefined;
  recover: boolean;
}

export function checkStoreName(value: unknown): string {
  if (value === undefined) return 'default';
  if (typeof value !== 'string' || !STORE_NAME.test(value)) {
    throw invalid(
      `store name ${describeValue(value)} is invalid: it must be 1 to 64 characters of letters, digits, '_' and '-'`,
    );
  }
  return value;
}

function checkStorage(value: unknown): KeyValueStorage | undefined {
  if (value === undefined) return undefined;
  const s = value as Partial<Record<keyof KeyValueStorage, unknown>> | null;
  const missing = readingInput('storage', () =>
    (['get', 'set', 'delete', 'list'] as const).filter((m) => typeof s?.[m] !== 'function'),
  );
  if (missing.length > 0) {
    throw invalid(
      `storage must implement KeyValueStorage; it lacks ${missing.join(', ')} (got ${describeValue(value)})`,
    );
  }
  return value as KeyValueStorage;
}

export function checkOpenOptions(options: unknown): CheckedOpenOptions {
  const o = checkOptions(options, 'openStore options', [
    'name',
    'backend',
    'durability',
    'requestPersistence',
    'storage',
    'recover',
  ]);
  return {
    name: checkStoreName(o.name),
    backend:
      o.backend === undefined
        ? 'auto'
        : checkEnum(o.backend, 'backend', ['auto', 'opfs', 'indexeddb', 'kv', 'memory'] as const),
    durability:
      o.durability === undefined
        ? 'normal'
        : checkEnum(o.durability, 'durability', ['normal', 'strict'] as const),
    requestPersistence:
      o.requestPersistence === undefined ? true : checkBoolean(o.requestPersistence, 'requestPersistence'),
    storage: checkStorage(o.storage),
    recover: o.recover === undefined ? false : checkBoolean(o.recover, 'recover'),
  };
}

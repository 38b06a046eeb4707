/**
 * Argument checks. Every public method runs its arguments through these before it touches the
 * database, so a bad value rejects with INVALID_ARGUMENT and a message naming it, and nothing
 * stored changes. Inputs come from JavaScript callers and from other threads, so nothing here
 * trusts TypeScript's types.
 */
import { describeValue, invalid, ThreadkeepError } from './errors.js';
import type { JsonObject, JsonValue, Role } from './types.js';

const CONTROL_CHAR = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Surrogate}/u;
const MAX_JSON_DEPTH = 1000;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * An options bag: absent, or a plain object whose keys are all known. Returns a copy with each
 * property read once, so a getter or Proxy cannot throw later or answer differently twice.
 */
export function checkOptions<K extends string>(
  value: unknown,
  what: string,
  known: readonly K[],
): Partial<Record<K, unknown>> {
  if (value === undefined) return {};
  return readingInput(what, () => {
    if (!isPlainObject(value)) throw invalid(`${what} must be an object, got ${describeValue(value)}`);
    const copy: Partial<Record<K, unknown>> = {};
    for (const key of Object.keys(value)) {
      if (!(known as readonly string[]).includes(key)) {
        throw invalid(`${what} has an unknown property ${describeValue(key)}; known: ${known.join(', ')}`);
      }
      copy[key as K] = value[key];
    }
    return copy;
  });
}

/**
 * Runs `read` over caller input; an exception that is not ours (a throwing getter, a Proxy trap)
 * becomes INVALID_ARGUMENT, since the input itself cannot be read.
 */
export function readingInput<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ThreadkeepError) throw error;
    const reason = error instanceof Error ? error.message : describeValue(error);
    throw invalid(`${what} could not be read: ${reason}`);
  }
}

/** An id or handle given by the caller: 1–128 characters, no control characters, well-formed Unicode. */
export function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${describeValue(value)}`);
  if (value.length < 1 || value.length > 128) {
    throw invalid(`${what} ${describeValue(value)} is invalid: it must be 1 to 128 characters`);
  }
  if (CONTROL_CHAR.test(value)) {
    throw invalid(`${what} ${describeValue(value)} is invalid: it must not contain control characters`);
  }
  if (LONE_SURROGATE.test(value) && !value.isWellFormed()) {
    throw invalid(
      `${what} ${describeValue(value)} is invalid: it contains a lone surrogate (ill-formed UTF-16)`,
    );
  }
  return value;
}

export function checkOptionalId(value: unknown, what: string): string | undefined {
  return value === undefined ? undefined : checkId(value, what);
}

const HANDLE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkHandle(value: unknown): string {
  if (typeof value !== 'string')
    throw invalid(`artifact handle must be a string, got ${describeValue(value)}`);
  if (!HANDLE.test(value)) {
    throw invalid(
      `artifact handle ${describeValue(value)} is invalid: it must be 1 to 128 characters, start with a letter or digit, and contain only letters, digits, '.', '_' and '-'`,
    );
  }
  return value;
}

export function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${describeValue(value)}`);
  return value;
}

/** A short label such as an event kind or a mime type: 1–255 characters without control characters. */
export function checkLabel(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${describeValue(value)}`);
  if (value.length < 1 || value.length > 255 || CONTROL_CHAR.test(value) || !value.isWellFormed()) {
    throw invalid(
      `${what} ${describeValue(value)} is invalid: it must be 1 to 255 characters without control characters`,
    );
  }
  return value;
}

export function checkNullableString(value: unknown, what: string): string | null {
  if (value === null) return null;
  return checkString(value, what);
}

export function checkBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`${what} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** A non-negative safe integer, optionally bounded. */
export function checkCount(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'a non-negative integer' : `an integer from 0 to ${max}`;
    throw invalid(`${what} must be ${range}, got ${describeValue(value)}`);
  }
  // -0 is an integer to JavaScript but reads back from SQLite as 0.
  return value === 0 ? 0 : value;
}

/** The largest distance from the epoch a JavaScript Date can hold (±100 000 000 days). */
const MAX_TIME = 8.64e15;

export function checkTime(value: unknown, what: string): number {
  // Past 2^53 every double is an integer, which SQLite binds as a 64-bit integer and wraps:
  // staying inside Date's range keeps times exact.
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_TIME) {
    throw invalid(
      `${what} must be a number of milliseconds since the epoch within ±${MAX_TIME} (Date's range), got ${describeValue(value)}`,
    );
  }
  return value === 0 ? 0 : value;
}

export function checkEnum<T extends string>(value: unknown, what: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(
      `${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

export const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];

/** An array without holes (`map` and `forEach` would skip them, JSON would write null). */
export function checkArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${what} must be an array, got ${describeValue(value)}`);
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw invalid(`${what}[${i}] is missing (the array has a hole)`);
  }
  return value;
}

export function checkStringList<T extends string>(
  value: unknown,
  what: string,
  check: (v: unknown, w: string) => T,
): T[] {
  const list = checkArray(value, what);
  return list.map((item, i) => check(item, `${what}[${i}]`));
}

/**
 * A value that survives JSON.stringify/JSON.parse unchanged. Object properties whose value is
 * `undefined` are dropped, as JSON.stringify drops them; everything else that JSON would change
 * (NaN, Infinity, Date, Map, class instances, functions, BigInt, holes, cycles) is rejected.
 */
export function checkJson(value: unknown, what: string): JsonValue {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): JsonValue => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (!Number.isFinite(v)) throw invalid(`${what} is not JSON: ${path} is ${describeValue(v)}`);
        return Object.is(v, -0) ? 0 : v;
      case 'object': {
        if (v === null) return null;
        if (depth > MAX_JSON_DEPTH) throw invalid(`${what} is nested deeper than ${MAX_JSON_DEPTH} levels`);
        if (seen.has(v)) throw invalid(`${what} is not JSON: ${path} refers back to itself (a cycle)`);
        seen.add(v);
        let out: JsonValue;
        if (
          Object.getOwnPropertySymbols(v).some((key) => Object.prototype.propertyIsEnumerable.call(v, key))
        ) {
          throw invalid(`${what} is not JSON: ${path} has a symbol key, which JSON drops`);
        }
        if (Array.isArray(v)) {
          if (Object.keys(v).length > v.length) {
            const named = Object.keys(v).find((key) => !/^(0|[1-9]\d*)$/.test(key))!;
            throw invalid(
              `${what} is not JSON: ${path} is an array with a property ${describeValue(named)}, which JSON drops`,
            );
          }
          const arr: JsonValue[] = new Array(v.length);
          for (let i = 0; i < v.length; i++) {
            if (!(i in v) || v[i] === undefined) {
              throw invalid(`${what} is not JSON: ${path}[${i}] is undefined`);
            }
            arr[i] = walk(v[i], `${path}[${i}]`, depth + 1);
          }
          out = arr;
        } else if (isPlainObject(v)) {
          const obj: JsonObject = {};
          for (const key of Object.keys(v)) {
            const item = v[key];
            if (item === undefined) continue;
            const walked = walk(item, `${path}.${key}`, depth + 1);
            // Assigning to "__proto__" would set the prototype and lose the key; JSON keeps it as data.
            if (key === '__proto__') {
              Object.defineProperty(obj, key, {
                value: walked,
                enumerable: true,
                writable: true,
                configurable: true,
              });
            } else {
              obj[key] = walked;
            }
          }
          out = obj;
        } else {
          throw invalid(`${what} is not JSON: ${path} is ${describeValue(v)}`);
        }
        seen.delete(v);
        return out;
      }
      default:
        throw invalid(`${what} is not JSON: ${path} is ${describeValue(v)}`);
    }
  };
  return readingInput(what, () => walk(value, what, 0));
}

export function checkJsonObject(value: unknown, what: string): JsonObject {
  if (!isPlainObject(value))
    throw invalid(`${what} must be a plain JSON object, got ${describeValue(value)}`);
  return checkJson(value, what) as JsonObject;
}

/** A limit option: default when absent, else an integer from 0 to max. */
export function checkLimit(value: unknown, what: string, fallback: number, max: number): number {
  return value === undefined ? fallback : checkCount(value, what, max);
}

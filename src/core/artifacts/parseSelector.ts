import { describeValue, invalid, type ThreadkeepError } from '../errors.js';

/** A checked drilldown selector; `head: n` is `lines: [0, n]`. */
export type Selection =
  | { kind: 'lines'; start: number; end: number }
  | { kind: 'rows'; start: number; end: number }
  | { kind: 'jsonKeys'; paths: string[][] };

const KEY_LIST = 'head, lines, rows or jsonKeys';

/**
 * Checks a selector that came straight from the caller. Throws INVALID_ARGUMENT naming the
 * selector, the artifact and what is wrong with it.
 */
export function parseSelector(selector: unknown, handle: string): Selection {
  const fail = (reason: string): ThreadkeepError => selectorError(selector, handle, reason);
  if (!isPlainObject(selector)) {
    throw fail(`it must be an object with exactly one of the keys ${KEY_LIST}`);
  }
  const keys = Object.keys(selector);
  if (keys.length !== 1) {
    const found = keys.length === 0 ? 'no keys' : `${keys.length} keys (${keys.join(', ')})`;
    throw fail(`it has ${found} but must have exactly one of ${KEY_LIST}`);
  }
  const key = keys[0]!;
  const value = selector[key];
  switch (key) {
    case 'head':
      if (!isCount(value)) throw fail(`head must be a non-negative integer, got ${describeValue(value)}`);
      return { kind: 'lines', start: 0, end: value };
    case 'lines':
    case 'rows': {
      if (!Array.isArray(value) || value.length !== 2) {
        throw fail(`${key} must be an array [start, end] of two non-negative integers`);
      }
      const [start, end] = value as unknown[];
      if (!isCount(start))
        throw fail(`${key} start must be a non-negative integer, got ${describeValue(start)}`);
      if (!isCount(end)) throw fail(`${key} end must be a non-negative integer, got ${describeValue(end)}`);
      if (start > end) throw fail(`${key} start ${start} is after end ${end} (end is exclusive)`);
      return { kind: key, start, end };
    }
    case 'jsonKeys': {
      if (!Array.isArray(value)) throw fail('jsonKeys must be an array of key paths such as "a" or "a.b"');
      const paths: string[][] = [];
      for (let i = 0; i < value.length; i++) {
        const path: unknown = value[i];
        if (typeof path !== 'string')
          throw fail(`jsonKeys[${i}] must be a string, got ${describeValue(path)}`);
        const segments = path.split('.');
        if (segments.includes('')) {
          throw fail(`jsonKeys[${i}] ${describeValue(path)} has an empty key; write paths like "a" or "a.b"`);
        }
        paths.push(segments);
      }
      return { kind: 'jsonKeys', paths };
    }
    default:
      throw fail(`unknown key ${describeValue(key)}; use one of ${KEY_LIST}`);
  }
}

/** INVALID_ARGUMENT for a selector that is well-formed but cannot be applied to this artifact. */
export function selectorError(selector: unknown, handle: string, reason: string): ThreadkeepError {
  return invalid(
    `drilldown selector ${showSelector(selector)} for artifact ${describeValue(handle)} is invalid: ${reason}`,
  );
}

// Index and length limits keep a huge or cyclic selector from producing a huge message.
const MAX_DEPTH = 3;
const MAX_ITEMS = 8;
const MAX_TEXT = 200;

/**
 * The selector as close to JSON as it can be shown. JSON.stringify would print NaN and
 * Infinity as null, drop functions and undefined, and throw on cycles and BigInt — exactly the
 * values an error message must show faithfully.
 */
export function showSelector(value: unknown): string {
  const text = show(value, 0);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function show(value: unknown, depth: number): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (depth < MAX_DEPTH && Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => show(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more`);
    return `[${items.join(',')}]`;
  }
  if (depth < MAX_DEPTH && isPlainObject(value)) {
    const keys = Object.keys(value);
    const entries = keys.slice(0, MAX_ITEMS).map((k) => `${JSON.stringify(k)}:${show(value[k], depth + 1)}`);
    if (keys.length > MAX_ITEMS) entries.push(`… ${keys.length - MAX_ITEMS} more`);
    return `{${entries.join(',')}}`;
  }
  return describeValue(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Beyond MAX_SAFE_INTEGER a number no longer counts exactly, so it cannot be a line number.
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Bad inputs for the fuzz test, and the oracle that says what the store must do with each: a
 * verdict per kind of argument (id, text, count, JSON …) written from API.md, independent of
 * src/core/validate.ts. A value is accepted (and must then read back as `stored`), rejected with
 * INVALID_ARGUMENT, or either (the contract leaves the choice to the implementation).
 */
import fc from 'fast-check';

export type Verdict =
  | { accept: true; stored: unknown }
  | { accept: false }
  | { accept: 'either'; stored: unknown };
export type Judge = (value: unknown) => Verdict;

const yes = (stored: unknown): Verdict => ({ accept: true, stored });
const no: Verdict = { accept: false };
const either = (stored: unknown): Verdict => ({ accept: 'either', stored });

export interface Nasty {
  label: string;
  make: () => unknown;
  /** Words of which a rejection's message must contain one (case-insensitive): the value shown. */
  hints: string[];
}

class Widget {
  a = 1;
}
const nested = (levels: number, leaf: unknown, wrap: (v: unknown) => unknown) => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = wrap(v);
  return v;
};
const once = <T>(make: () => T): (() => T) => {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: make() };
    return value.v;
  };
};

/** A string shown in a message: its start, as JSON.stringify writes it (escapes included). */
const shown = (s: string) => JSON.stringify(s).slice(0, 10);
const str = (label: string, make: () => string): Nasty => ({ label, make, hints: [shown(make())] });

export const NASTY_VALUES: Nasty[] = [
  { label: 'undefined', make: () => undefined, hints: ['undefined'] },
  { label: 'null', make: () => null, hints: ['null'] },
  { label: 'true', make: () => true, hints: ['true'] },
  { label: '0', make: () => 0, hints: ['0'] },
  { label: '-0', make: () => -0, hints: ['-0'] },
  { label: '7', make: () => 7, hints: ['7'] },
  { label: '-1', make: () => -1, hints: ['-1'] },
  // The documented maxima (search limit 200, list limits 1000 and 10 000) and one past each.
  ...[200, 201, 1000, 1001, 10_000, 10_001].map((n) => ({
    label: String(n),
    make: () => n,
    hints: [String(n)],
  })),
  { label: '1.5', make: () => 1.5, hints: ['1.5'] },
  { label: 'NaN', make: () => Number.NaN, hints: ['NaN'] },
  { label: 'Infinity', make: () => Number.POSITIVE_INFINITY, hints: ['Infinity'] },
  { label: '-Infinity', make: () => Number.NEGATIVE_INFINITY, hints: ['-Infinity'] },
  { label: 'MAX_SAFE_INTEGER', make: () => Number.MAX_SAFE_INTEGER, hints: ['9007199254740991'] },
  { label: '2^53 + 2', make: () => 2 ** 53 + 2, hints: ['9007199254740994'] },
  { label: '2^64', make: () => 2 ** 64, hints: ['18446744073709552000'] },
  { label: '1e308', make: () => 1e308, hints: ['1e+308'] },
  { label: 'MIN_VALUE', make: () => Number.MIN_VALUE, hints: ['5e-324'] },
  { label: 'BigInt', make: () => 123n, hints: ['123n'] },
  { label: 'Symbol', make: () => Symbol('nasty'), hints: ['symbol'] },
  { label: 'function', make: () => () => 1, hints: ['function'] },
  { label: 'class instance', make: () => new Widget(), hints: ['Widget'] },
  { label: 'Date', make: () => new Date(0), hints: ['Date'] },
  { label: 'invalid Date', make: () => new Date(Number.NaN), hints: ['Date'] },
  { label: 'Map', make: () => new Map([['a', 1]]), hints: ['Map'] },
  { label: 'Set', make: () => new Set([1]), hints: ['Set'] },
  { label: 'Uint8Array', make: () => new Uint8Array([1, 2]), hints: ['Uint8Array'] },
  { label: 'boxed String', make: () => new String('boxed'), hints: ['String'] },
  { label: 'RegExp', make: () => /x/g, hints: ['RegExp'] },
  { label: 'Error', make: () => new Error('e'), hints: ['Error'] },
  { label: 'Promise', make: () => Promise.resolve(1), hints: ['Promise'] },
  { label: 'empty array', make: () => [], hints: ['array', '[]'] },
  { label: 'mixed array', make: () => [1, 'a'], hints: ['array', '[0]', '[1,'] },
  // biome-ignore lint/suspicious/noSparseArray: a hole is the point
  { label: 'sparse array', make: () => [1, , 3], hints: ['array', '[0]', '[1]', '[1,'] },
  { label: 'array of undefined', make: () => [undefined], hints: ['array', '[0]', '[undefined]'] },
  {
    label: 'array with a named property',
    make: () => Object.assign([1], { extra: 2 }),
    hints: ['array', 'extra', '[0]', '[1]'],
  },
  { label: 'empty object', make: () => ({}), hints: ['object', 'undefined', '{'] },
  {
    label: 'null-prototype object',
    make: () => Object.assign(Object.create(null), { a: 1 }),
    hints: ['"a"', 'object', '{'],
  },
  { label: 'unknown key', make: () => ({ unknownKey: 1 }), hints: ['unknownKey', 'object', '{'] },
  {
    label: 'own __proto__ key',
    make: () => JSON.parse('{"__proto__": {"polluted": true}}'),
    hints: ['__proto__', 'object', '{'],
  },
  { label: 'constructor key', make: () => ({ constructor: 'x' }), hints: ['constructor', 'object', '{'] },
  { label: 'undefined property', make: () => ({ a: undefined }), hints: ['"a"', 'object', '{'] },
  { label: 'symbol key', make: () => ({ [Symbol('k')]: 1 }), hints: ['symbol', 'object', 'undefined', '{'] },
  {
    label: 'toJSON method',
    make: () => ({ toJSON: () => 'x' }),
    hints: ['function', 'toJSON', 'object', '{'],
  },
  { label: 'nested Date', make: () => ({ a: new Date(0) }), hints: ['Date', '"a"', 'object', '{'] },
  { label: 'nested NaN', make: () => ({ a: [Number.NaN] }), hints: ['NaN', '"a"', 'object', '{'] },
  { label: 'nested BigInt', make: () => ({ a: 1n }), hints: ['1n', '"a"', 'object', '{'] },
  { label: 'nested -0', make: () => ({ a: -0 }), hints: ['-0', '"a"', 'object', '{'] },
  {
    label: 'cyclic object',
    make: () => {
      const o: Record<string, unknown> = { a: {} };
      (o.a as Record<string, unknown>).self = o;
      return o;
    },
    hints: ['cycle', 'itself', '"a"', 'object', '{'],
  },
  {
    label: 'cyclic array',
    make: () => {
      const a: unknown[] = [1];
      a.push(a);
      return a;
    },
    hints: ['cycle', 'itself', 'array', '[0]', '[1,'],
  },
  {
    label: 'object 1500 deep',
    make: once(() => nested(1500, 1, (v) => ({ a: v }))),
    hints: ['deep', '"a"', 'object', '{'],
  },
  { label: 'array 100000 deep', make: once(() => nested(100_000, 1, (v) => [v])), hints: ['deep', 'array'] },
  {
    label: 'throwing getter',
    make: () =>
      Object.defineProperty({}, 'a', {
        enumerable: true,
        get() {
          throw new Error('getter says no');
        },
      }),
    hints: ['getter says no', '"a"', 'object', '{'],
  },
  {
    label: 'hostile Proxy',
    make: () =>
      new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('proxy says no');
          },
          get() {
            throw new Error('proxy says no');
          },
        },
      ),
    hints: ['proxy says no', 'object', '{'],
  },
  str('empty string', () => ''),
  str('plain word', () => 'plain-Word_1'),
  str('valid role', () => 'user'),
  str('NUL inside', () => 'a\u0000b'),
  str('only NUL', () => '\u0000'),
  str('lone high surrogate', () => '\ud800'),
  str('lone low surrogate', () => 'x\udc00y'),
  str('bell', () => '\u0007bell'),
  str('RTL override', () => '\u202eevil'),
  str('space', () => ' '),
  str('dot dot slash', () => '../x'),
  str('dot', () => '.'),
  str('dot dot', () => '..'),
  str('129 characters', () => 'x'.repeat(129)),
  str('100 emoji', () => '😀'.repeat(100)),
  str(
    '1 MB',
    once(() => 'abc '.repeat(262_144)),
  ),
  str(
    '10 MB',
    once(() => 'lorem \u0000ipsum \ud83d '.repeat(10 * 65_536)),
  ),
];

/** Any value at all, from fast-check: the shapes a hand-written list forgets. */
export const anyValue = fc.anything({
  maxDepth: 3,
  maxKeys: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
});

// ---- the oracle -------------------------------------------------------------------------

const CONTROL = /\p{Cc}/u;
const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** JSON as API.md means it: survives JSON.stringify/JSON.parse unchanged (-0 becomes 0, as JSON writes it). */
export const json: Judge = (value) => {
  const seen = new Set<object>();
  let deep = false;
  let unsure = false;
  const walk = (v: unknown, depth: number): { ok: boolean; value?: unknown } => {
    if (depth > 1100) {
      deep = true;
      return { ok: false };
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return { ok: true, value: v };
    if (typeof v === 'number')
      return Number.isFinite(v) ? { ok: true, value: v === 0 ? 0 : v } : { ok: false };
    if (typeof v !== 'object' || seen.has(v)) return { ok: false };
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype || Object.keys(v).length !== v.length)
          return { ok: false };
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) {
          if (!(i in v) || v[i] === undefined) return { ok: false };
          const item = walk(v[i], depth + 1);
          if (!item.ok) return item;
          out.push(item.value);
        }
        return { ok: true, value: out };
      }
      if (!isPlain(v) || Object.getOwnPropertySymbols(v).some((s) => Object.hasOwn(v, s)))
        return { ok: false };
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        const desc = Object.getOwnPropertyDescriptor(v, key)!;
        // A getter's value is what JSON.stringify would see; whether to accept it is left open.
        if (!('value' in desc)) unsure = true;
        const item = desc.get ? desc.get.call(v) : desc.value;
        if (item === undefined) continue;
        const walked = walk(item, depth + 1);
        if (!walked.ok) return walked;
        Object.defineProperty(out, key, {
          value: walked.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return { ok: true, value: out };
    } finally {
      seen.delete(v);
    }
  };
  const result = walk(value, 0);
  if (deep) return either(value);
  if (!result.ok) return no;
  if (unsure) return either(result.value);
  // Nesting past 1000 levels may be refused: API.md does not promise any depth.
  return depthOf(value) >= 1000 ? either(result.value) : yes(result.value);
};

function depthOf(v: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    max = Math.max(max, d);
    if (x !== null && typeof x === 'object' && d < 1100) {
      for (const key of Object.keys(x)) stack.push([(x as Record<string, unknown>)[key], d + 1]);
    }
  }
  return max;
}

export const jsonObject: Judge = (v) => (isPlain(v) ? json(v) : no);

/** "1–128 characters without control characters"; ill-formed UTF-16 and 129+ code units may go either way. */
export const id: Judge = (v) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256 || CONTROL.test(v)) return no;
  const codePoints = [...v].length;
  if (codePoints > 128) return no;
  return v.length > 128 || !v.isWellFormed() ? either(v) : yes(v);
};
export const handle: Judge = (v) =>
  typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(v) ? yes(v) : no;
/** Free text: every string, stored as given. */
export const text: Judge = (v) => (typeof v === 'string' ? yes(v) : no);
export const nullableText: Judge = (v) => (v === null ? yes(null) : text(v));
/** A kind, mime or tool name: API.md gives no rule beyond "string", so strings may go either way. */
export const label: Judge = (v) => {
  if (typeof v !== 'string') return no;
  const plain = v.length >= 1 && v.length <= 255 && !CONTROL.test(v) && v.isWellFormed();
  return plain ? yes(v) : either(v);
};
export const count =
  (max = Number.MAX_SAFE_INTEGER): Judge =>
  (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return no;
    if (v > Number.MAX_SAFE_INTEGER) return either(v);
    return v <= max ? yes(v === 0 ? 0 : v) : no;
  };
/** Milliseconds since the epoch: finite numbers; past Date's ±8.64e15 range may be refused. */
export const time: Judge = (v) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return no;
  return Math.abs(v) > 8.64e15 ? either(v) : yes(v === 0 ? 0 : v);
};
export const oneOf =
  (...values: string[]): Judge =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? yes(v) : no;
export const boolean: Judge = (v) => (typeof v === 'boolean' ? yes(v) : no);
export const optional =
  (inner: Judge, absent: unknown): Judge =>
  (v) =>
    v === undefined ? yes(absent) : inner(v);
export const list =
  (item: Judge): Judge =>
  (v) => {
    if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return no;
    const out: unknown[] = [];
    let unsure = false;
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return no;
      const verdict = item(v[i]);
      if (verdict.accept === false) return no;
      if (verdict.accept === 'either') unsure = true;
      out.push(verdict.stored);
    }
    return unsure ? either(out) : yes(out);
  };
/**
 * An options bag judged as a whole: its own fields have their own positions. `required` names keys
 * that must be there; `optionalBag` says whether the argument itself may be left out.
 */
export const bag =
  (known: string[], required: string[] = [], optionalBag = true): Judge =>
  (v) => {
    if (v === undefined) return optionalBag ? yes(undefined) : no;
    if (!isPlain(v)) return no;
    const keys = Object.keys(v);
    if (!keys.every((k) => known.includes(k)) || !required.every((k) => keys.includes(k))) return no;
    return keys.length === 0 ? yes(v) : either(v);
  };
/** Anything that is not a Blob or a string is refused; those are read as JSONL. */
export const jsonlSource: Judge = (v) => (typeof v === 'string' || v instanceof Blob ? yes(v) : no);
export const func: Judge = (v) => (typeof v === 'function' ? yes(v) : no);
export const anything: Judge = (v) => either(v);

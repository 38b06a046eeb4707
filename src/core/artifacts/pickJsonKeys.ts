import { describeValue, invalid } from '../errors.js';
import { ByteSink } from './byteSink.js';
import type { ChunkSource } from './drilldown.js';

type JsonRecord = Record<string, unknown>;
// A key path tree: a leaf (true) takes the whole value, a Map reaches further in.
type KeyTree = Map<string, KeyTree | true>;

/**
 * Compact JSON text of the artifact's top-level object with only the given key paths
 * (`['b', 'c']` is "b.c"); nested paths stay nested, missing paths are left out, and a parent
 * whose wanted children are all missing is left out too. Keys come in the order first named.
 * The whole artifact is parsed: a JSON object cannot be cut without reading all of it.
 */
export function pickJsonKeys(source: ChunkSource, paths: readonly string[][], handle: string): string {
  const root = parseObject(source, handle);
  const picked = pick(root, keyTree(paths));
  return JSON.stringify(picked ?? {});
}

function parseObject(source: ChunkSource, handle: string): unknown {
  const bytes = new ByteSink(source.size);
  for (let c = 0; c < source.chunkCount; c++) bytes.push(source.readChunk(c));
  const name = `artifact ${describeValue(handle)}`;
  let text: string;
  try {
    // fatal: bad bytes would otherwise turn into U+FFFD and come back as if they were stored.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.view());
  } catch {
    throw invalid(`${name} is not valid UTF-8 text, so drilldown jsonKeys cannot read it as a JSON object`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw invalid(`${name} is not valid JSON (${why}); drilldown jsonKeys needs a JSON object`);
  }
  if (!isRecord(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw invalid(`${name} holds ${kind}, not a JSON object; drilldown jsonKeys needs a JSON object`);
  }
  return value;
}

function keyTree(paths: readonly string[][]): KeyTree {
  const root: KeyTree = new Map();
  for (const path of paths) {
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const existing = node.get(key);
      if (existing === true) break; // the whole value is already wanted
      if (i === path.length - 1) {
        node.set(key, true);
        break;
      }
      const child: KeyTree = existing ?? new Map();
      node.set(key, child);
      node = child;
    }
  }
  return root;
}

function pick(value: unknown, tree: KeyTree): JsonRecord | undefined {
  if (!isRecord(value)) return undefined;
  // A null prototype so that a key named "__proto__" is copied as data, as JSON.parse made it.
  const out: JsonRecord = Object.create(null);
  let found = false;
  for (const [key, sub] of tree) {
    if (!Object.hasOwn(value, key)) continue;
    const picked = sub === true ? value[key] : pick(value[key], sub);
    if (picked === undefined) continue;
    out[key] = picked;
    found = true;
  }
  return found ? out : undefined;
}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

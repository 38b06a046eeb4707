/**
 * The text of an event as the search index sees it: which parts of an event are searchable, and how
 * that text is rewritten before it reaches FTS5 so that Chinese, Japanese and Korean text, which has
 * no spaces between words, is found by any substring of two or more characters.
 */
import type { JsonObject, JsonValue, ToolCall } from '../types.js';
import { CJK_CHAR_PATTERN } from './unicode61.js';

/** Below U+0300 nothing composes or decomposes under NFC and no CJK character exists. */
const MAYBE_NOT_NFC = /[^\0-\u02ff]/;
const CJK_CHAR = new RegExp(CJK_CHAR_PATTERN, 'u');
const CJK_RUN_G = new RegExp(`${CJK_CHAR_PATTERN}+`, 'gu');

/*
 * Keys whose text is the part's text (Anthropic and OpenAI text, thinking and refusal blocks), and
 * keys holding nested content (tool_result blocks, Responses API function_call_output items).
 */
const TEXT_KEYS = ['text', 'thinking', 'refusal'] as const;
const NESTED_KEYS = ['content', 'output'] as const;
/*
 * In parts of an unknown shape every value is searched except these: identifiers, type tags and
 * binary payloads (a base64 image would flood the index with nonsense tokens).
 */
const SKIPPED_KEYS: ReadonlySet<string> = new Set([
  'type',
  'id',
  'call_id',
  'tool_use_id',
  'data',
  'url',
  'image_url',
  'source',
  'file_data',
  'file_id',
  'signature',
  'cache_control',
  'media_type',
  'mime_type',
]);
/** Deeper nesting is not searched, so a pathological value cannot exhaust the stack. */
const MAX_DEPTH = 64;

/**
 * The searchable text of an event: the text of `content` (a string, or the text inside structured
 * parts such as OpenAI and Anthropic content blocks), then each tool call's name and arguments (a
 * JSON string as is, other values as JSON text), one piece per line.
 */
export function eventSearchText(content: JsonValue | null, toolCalls: readonly ToolCall[]): string {
  if (toolCalls.length === 0 && typeof content === 'string') return content;
  const pieces: string[] = [];
  collectText(content, pieces, 0);
  for (const call of toolCalls) {
    if (call.name !== '') pieces.push(call.name);
    pushArguments(call.arguments, pieces);
  }
  return pieces.join('\n');
}

function pushArguments(args: JsonValue | undefined, pieces: string[]): void {
  if (typeof args === 'string') {
    if (args !== '') pieces.push(args);
  } else if (args !== null && args !== undefined) {
    pieces.push(JSON.stringify(args));
  }
}

function collectText(value: JsonValue | undefined, pieces: string[], depth: number): void {
  if (typeof value === 'string') {
    if (value !== '') pieces.push(value);
  } else if (typeof value === 'number') {
    pieces.push(String(value));
  } else if (Array.isArray(value)) {
    if (depth < MAX_DEPTH) for (const item of value) collectText(item, pieces, depth + 1);
  } else if (value !== null && typeof value === 'object' && depth < MAX_DEPTH) {
    collectPart(value, pieces, depth);
  }
}

function collectPart(part: JsonObject, pieces: string[], depth: number): void {
  let known = false;
  for (const key of TEXT_KEYS) {
    const text = part[key];
    if (typeof text === 'string') {
      if (text !== '') pieces.push(text);
      known = true;
    }
  }
  // Anthropic tool_use (`input`) and OpenAI Responses function_call (`arguments`) blocks.
  if (typeof part.name === 'string' && ('input' in part || 'arguments' in part)) {
    if (part.name !== '') pieces.push(part.name);
    pushArguments(part.input ?? part.arguments, pieces);
    known = true;
  }
  for (const key of NESTED_KEYS) {
    if (key in part) {
      collectText(part[key], pieces, depth + 1);
      known = true;
    }
  }
  if (known) return;
  for (const key in part) {
    if (!SKIPPED_KEYS.has(key)) collectText(part[key], pieces, depth + 1);
  }
}

/** `text` in NFC, skipping the normalizer for text it cannot change (most of it). */
export function toNfc(text: string): string {
  return MAYBE_NOT_NFC.test(text) ? text.normalize('NFC') : text;
}

/** Whether `text` holds a character the index stores as bigrams. */
export function hasCjk(text: string): boolean {
  return CJK_CHAR.test(text);
}

/**
 * The overlapping bigrams of a run of CJK characters, separated by spaces: "数据索引" gives
 * "数据 据索 索引"; a single character stays itself. Counts code points, so characters outside
 * the BMP (CJK extension B and later) are never split.
 */
export function cjkBigrams(run: string): string {
  let bigrams = '';
  let previous = -1;
  for (let i = 0; i < run.length; ) {
    const code = run.charCodeAt(i);
    const next = code >= 0xd800 && code <= 0xdbff && i + 1 < run.length ? i + 2 : i + 1;
    if (previous >= 0)
      bigrams += bigrams === '' ? run.slice(previous, next) : ` ${run.slice(previous, next)}`;
    previous = i;
    i = next;
  }
  return bigrams === '' ? run : bigrams;
}

/**
 * The text stored in the FTS column: NFC-normalized (so composed and decomposed accents index
 * alike), with each run of CJK characters rewritten as its overlapping bigrams and set apart from
 * neighbouring text by spaces ("SQLite数据库" gives "SQLite 数据 据库").
 */
export function toIndexText(text: string): string {
  if (!MAYBE_NOT_NFC.test(text)) return text;
  const normalized = text.normalize('NFC');
  return CJK_CHAR.test(normalized) ? normalized.replace(CJK_RUN_G, spacedBigrams) : normalized;
}

function spacedBigrams(run: string, offset: number, whole: string): string {
  const end = offset + run.length;
  const before = offset > 0 && !isSpace(whole.charCodeAt(offset - 1)) ? ' ' : '';
  const after = end < whole.length && !isSpace(whole.charCodeAt(end)) ? ' ' : '';
  return `${before}${cjkBigrams(run)}${after}`;
}

/** ASCII whitespace and the ideographic space, the separators CJK text is commonly next to. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x3000;
}

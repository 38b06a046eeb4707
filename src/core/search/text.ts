/**
 * The text of an event as the search index sees it: which parts of an event are searchable, and how
 * that text is rewritten before it reaches FTS5 so that Chinese, Japanese and Korean text, which has
 * no spaces between words, is found by any substring of two or more characters.
 */
import type { JsonObject, JsonValue, ToolCall } from '../types.js';
import { CJK_CHAR_PATTERN, isCjkCodePoint } from './unicode61.js';

/** Below U+0300 nothing composes or decomposes under NFC and no CJK character exists. */
const MAYBE_NOT_NFC = /[^\0-\u02ff]/;
const CJK_CHAR = new RegExp(CJK_CHAR_PATTERN, 'u');

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
  return CJK_CHAR.test(normalized) ? bigramText(normalized) : normalized;
}

/*
 * Runs once per indexed event, so it writes UTF-16 code units into one reused buffer instead of
 * building a string per bigram (five times faster on Chinese text than a replace callback).
 */
let buffer = new Uint16Array(4096);
/** Larger texts get a buffer of their own, so one huge event does not pin megabytes for good. */
const MAX_SHARED_BUFFER = 1 << 16;
/*
 * Decoding the buffer is twice as fast as String.fromCharCode. It turns lone surrogates into U+FFFD,
 * as SQLite does when the text is bound anyway. Runtimes without UTF-16 in TextDecoder fall back.
 */
const UTF16 = newUtf16Decoder();
/** String.fromCharCode takes its units as arguments; engines cap the argument count. */
const DECODE_CHUNK = 8192;

function newUtf16Decoder(): TextDecoder | null {
  try {
    return new TextDecoder('utf-16le');
  } catch {
    return null;
  }
}

function bigramText(text: string): string {
  const length = text.length;
  // Each character is written at most twice, with a space per bigram and around each run.
  const needed = length * 4;
  if (buffer.length < needed && needed <= MAX_SHARED_BUFFER) buffer = new Uint16Array(needed);
  const out = buffer.length >= needed ? buffer : new Uint16Array(needed);
  let written = 0;
  let runStart = -1;
  let previousChar = -1;
  for (let i = 0; i <= length; ) {
    const unit = i < length ? text.charCodeAt(i) : -1;
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < length;
    const codePoint = pair ? text.codePointAt(i)! : unit;
    const width = pair ? 2 : 1;
    if (codePoint >= 0 && isCjkCodePoint(codePoint)) {
      if (runStart < 0) {
        runStart = i;
        if (written > 0 && !isSpace(out[written - 1]!)) out[written++] = 0x20;
      } else {
        // A bigram: the previous character and this one, after a space unless it is the first.
        if (previousChar > runStart) out[written++] = 0x20;
        for (let k = previousChar; k < i + width; k++) out[written++] = text.charCodeAt(k);
      }
      previousChar = i;
      i += width;
      continue;
    }
    if (runStart >= 0) {
      // A run of one character stays itself.
      if (previousChar === runStart) for (let k = runStart; k < i; k++) out[written++] = text.charCodeAt(k);
      if (unit >= 0 && !isSpace(unit)) out[written++] = 0x20;
      runStart = -1;
    }
    if (unit >= 0) out[written++] = unit;
    i++;
  }
  const units = out.subarray(0, written);
  if (UTF16 !== null) return UTF16.decode(units);
  let result = '';
  for (let from = 0; from < written; from += DECODE_CHUNK) {
    result += String.fromCharCode.apply(
      null,
      units.subarray(from, from + DECODE_CHUNK) as unknown as number[],
    );
  }
  return result;
}

/** ASCII whitespace and the ideographic space, the separators CJK text is commonly next to. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x3000;
}

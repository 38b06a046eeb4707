/**
 * Turns what a user typed into an FTS5 MATCH string for the event index, and into the terms that
 * snippets highlight. The index holds `toIndexText` output, so CJK text in a query is rewritten into
 * the same bigrams.
 */
import { cjkBigrams, hasCjk, toIndexText, toNfc } from './text.js';
import { CJK_CHAR_PATTERN, foldToken, TOKEN_CHAR_PATTERN, WORD_PATTERN } from './unicode61.js';

/** A word to highlight. `text` is folded (lowercase, no diacritics); CJK terms match as substrings. */
export interface QueryTerm {
  text: string;
  prefix: boolean;
  cjk: boolean;
}

/** A MATCH string for the event index, or `null` when the query can match nothing (it has no words). */
export interface TranslatedQuery {
  match: string | null;
  terms: QueryTerm[];
}

const CHUNK_G = /\S+/g;
/** A CJK run (group 1) or a token outside CJK text, in the order they appear. */
const PIECE_G = new RegExp(`(${CJK_CHAR_PATTERN}+)|${WORD_PATTERN}`, 'gu');
const TOKEN_CHAR = new RegExp(TOKEN_CHAR_PATTERN, 'u');
const QUOTE = 0x22;
const STAR = 0x2a;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_PAREN = 0x28;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The 'plain' syntax: any string a person types. Each whitespace-separated chunk becomes one quoted
 * FTS5 phrase of its tokens, so quotes, operators and punctuation are only text, "well-known" or
 * "src/app.ts" match as written, and the MATCH string can never make FTS5 throw. All chunks must
 * match. The last chunk is a prefix ("brul" finds "Brûlée"), and so is any chunk ending in a single
 * CJK character: the index has no one-character tokens inside longer CJK runs, only bigrams.
 */
export function translatePlainQuery(query: string): TranslatedQuery {
  const text = toNfc(query);
  const phrases: string[] = [];
  const terms = new TermList();
  CHUNK_G.lastIndex = 0;
  for (let chunk = CHUNK_G.exec(text); chunk !== null; chunk = CHUNK_G.exec(text)) {
    if (!TOKEN_CHAR.test(chunk[0])) continue;
    let phrase = '';
    let endsWithLoneCjk = false;
    PIECE_G.lastIndex = 0;
    for (let piece = PIECE_G.exec(chunk[0]); piece !== null; piece = PIECE_G.exec(chunk[0])) {
      const run = piece[1];
      phrase += `${phrase === '' ? '' : ' '}${run === undefined ? piece[0] : cjkBigrams(run)}`;
      terms.add(run ?? piece[0], run !== undefined);
      endsWithLoneCjk = run !== undefined && isOneCodePoint(run);
    }
    // Tokens hold no '"' (a separator), so doubling only guards against a future table change.
    phrases.push(`"${phrase.includes('"') ? phrase.replaceAll('"', '""') : phrase}"`);
    if (endsWithLoneCjk) terms.markLastPrefix();
    if (endsWithLoneCjk) phrases[phrases.length - 1] += '*';
  }
  if (phrases.length === 0) return { match: null, terms: [] };
  const last = phrases.length - 1;
  if (!phrases[last]!.endsWith('*')) {
    phrases[last] += '*';
    terms.markLastPrefix();
  }
  return { match: phrases.join(' '), terms: terms.list() };
}

function isOneCodePoint(text: string): boolean {
  return text.length === 1 || (text.length === 2 && text.codePointAt(0)! > 0xffff);
}

/**
 * The 'fts5' syntax: the query passes through unchanged except that CJK text in barewords and
 * quoted strings becomes bigram phrases, and NUL (which FTS5 reads as the end of the query) becomes
 * a space. Terms are gathered best-effort from the phrases; column names, operators, column sets
 * and NEAR distances are not terms. Invalid syntax is left for FTS5 to reject.
 */
export function translateFts5Query(query: string): TranslatedQuery {
  const text = toNfc(query.includes('\0') ? query.replaceAll('\0', ' ') : query);
  if (!/\S/.test(text)) return { match: null, terms: [] };
  const terms = new TermList();
  let match = '';
  let inColumnSet = false;
  let previousSyntax = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = closingQuoteEnd(text, i);
      if (end < 0 || inColumnSet) {
        match += text.slice(i, end < 0 ? text.length : end);
        i = end < 0 ? text.length : end;
        continue;
      }
      const phrase = text.slice(i + 1, end - 1).replaceAll('""', '"');
      match += hasCjk(phrase) ? `"${toIndexText(phrase).replaceAll('"', '""')}"` : text.slice(i, end);
      terms.addPhrase(phrase, nextSyntax(text, end) === STAR);
      i = end;
    } else if (isBarewordCode(code)) {
      let end = i + 1;
      while (end < text.length && isBarewordCode(text.charCodeAt(end))) end++;
      const word = text.slice(i, end);
      const next = nextSyntax(text, end);
      const isOperator =
        word === 'AND' || word === 'OR' || word === 'NOT' || (word === 'NEAR' && next === OPEN_PAREN);
      const isNearDistance = previousSyntax === COMMA && /^\d+$/.test(word);
      if (isOperator || isNearDistance || inColumnSet || next === COLON) {
        match += word;
      } else {
        // A space keeps a neighbouring string from joining this one through the '""' escape.
        const quoted = hasCjk(word);
        if (quoted && match.endsWith('"')) match += ' ';
        match += quoted ? `"${toIndexText(word)}"` : word;
        if (quoted && text.charCodeAt(end) === QUOTE) match += ' ';
        terms.addPhrase(word, next === STAR);
      }
      i = end;
    } else {
      if (code === OPEN_BRACE) inColumnSet = true;
      else if (code === CLOSE_BRACE) inColumnSet = false;
      match += text[i];
      i++;
    }
    const last = text.charCodeAt(i - 1);
    if (!isSpaceCode(last)) previousSyntax = last;
  }
  return { match, terms: terms.list() };
}

/** FTS5 bareword characters: ASCII letters, digits, '_', 0x1A and everything outside ASCII. */
function isBarewordCode(code: number): boolean {
  return (
    code >= 0x80 ||
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code === 0x1a
  );
}

/** FTS5 skips exactly these between tokens of its syntax. */
function isSpaceCode(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/** Where the string opened at `start` ends (after its closing quote), or -1 when it is unterminated. */
function closingQuoteEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const close = text.indexOf('"', i);
    if (close < 0) return -1;
    if (text.charCodeAt(close + 1) !== QUOTE) return close + 1;
    i = close + 2;
  }
}

function nextSyntax(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpaceCode(text.charCodeAt(i))) i++;
  return i < text.length ? text.charCodeAt(i) : -1;
}

/** Terms in query order, each once. */
class TermList {
  readonly #terms: QueryTerm[] = [];

  add(text: string, cjk: boolean): void {
    this.#terms.push({ text: cjk ? text : foldToken(text), prefix: false, cjk });
  }

  /** Adds the tokens of a phrase; with `prefix`, its last token is a prefix. */
  addPhrase(phrase: string, prefix: boolean): void {
    const before = this.#terms.length;
    PIECE_G.lastIndex = 0;
    for (let piece = PIECE_G.exec(phrase); piece !== null; piece = PIECE_G.exec(phrase)) {
      this.add(piece[1] ?? piece[0], piece[1] !== undefined);
    }
    if (prefix && this.#terms.length > before) this.markLastPrefix();
  }

  markLastPrefix(): void {
    const last = this.#terms[this.#terms.length - 1];
    if (last) last.prefix = true;
  }

  list(): QueryTerm[] {
    const seen = new Set<string>();
    return this.#terms.filter((term) => {
      const key = `${term.cjk ? 'c' : term.prefix ? 'p' : 'w'}${term.text}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
}

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
const MAX_PHRASES = 256;
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
 * Repeated chunks count once; past 256 distinct chunks (a pasted page) the middle ones are dropped,
 * as FTS5 slows down sharply with thousands of phrases.
 */
export function translatePlainQuery(query: string): TranslatedQuery {
  const text = toNfc(query);
  // Phrase → its terms. Deleting before setting moves a repeated phrase last, so the last chunk
  // stays last and takes the prefix.
  const phrases = new Map<string, QueryTerm[]>();
  CHUNK_G.lastIndex = 0;
  for (let chunk = CHUNK_G.exec(text); chunk !== null; chunk = CHUNK_G.exec(text)) {
    if (!TOKEN_CHAR.test(chunk[0])) continue;
    let phrase = '';
    const terms: QueryTerm[] = [];
    let endsWithLoneCjk = false;
    PIECE_G.lastIndex = 0;
    for (let piece = PIECE_G.exec(chunk[0]); piece !== null; piece = PIECE_G.exec(chunk[0])) {
      const run = piece[1];
      phrase += `${phrase === '' ? '' : ' '}${run === undefined ? piece[0] : cjkBigrams(run)}`;
      terms.push(run === undefined ? wordTerm(piece[0]) : { text: run, prefix: false, cjk: true });
      endsWithLoneCjk = run !== undefined && isOneCodePoint(run);
    }
    // Tokens hold no '"' (a separator), so doubling only guards against a future table change.
    phrase = `"${phrase.includes('"') ? phrase.replaceAll('"', '""') : phrase}"`;
    if (endsWithLoneCjk) {
      phrase += '*';
      terms[terms.length - 1]!.prefix = true;
    }
    phrases.delete(phrase);
    phrases.set(phrase, terms);
  }
  if (phrases.size === 0) return { match: null, terms: [] };
  let kept = [...phrases];
  if (kept.length > MAX_PHRASES) kept = [...kept.slice(0, MAX_PHRASES - 1), kept[kept.length - 1]!];
  const last = kept[kept.length - 1]!;
  if (!last[0].endsWith('*')) {
    last[0] += '*';
    last[1][last[1].length - 1]!.prefix = true;
  }
  return {
    match: kept.map(([phrase]) => phrase).join(' '),
    terms: uniqueTerms(kept.flatMap(([, terms]) => terms)),
  };
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
  const terms: QueryTerm[] = [];
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
      terms.push(...phraseTerms(phrase, nextSyntax(text, end) === STAR));
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
        terms.push(...phraseTerms(word, next === STAR));
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
  return { match, terms: uniqueTerms(terms) };
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

/** FTS5 skips exactly these between tokens of its syntax (fts5ExprIsspace). */
function isSpaceCode(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
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

function wordTerm(token: string): QueryTerm {
  return { text: foldToken(token), prefix: false, cjk: false };
}

/** The terms of a phrase in the 'fts5' syntax; with `prefix`, its last token is a prefix. */
function phraseTerms(phrase: string, prefix: boolean): QueryTerm[] {
  const terms: QueryTerm[] = [];
  PIECE_G.lastIndex = 0;
  for (let piece = PIECE_G.exec(phrase); piece !== null; piece = PIECE_G.exec(phrase)) {
    terms.push(piece[1] === undefined ? wordTerm(piece[0]) : { text: piece[1], prefix: false, cjk: true });
  }
  const last = terms[terms.length - 1];
  if (last && prefix) last.prefix = true;
  return terms;
}

/** Terms in query order, each once. */
function uniqueTerms(terms: QueryTerm[]): QueryTerm[] {
  const seen = new Set<string>();
  return terms.filter((term) => {
    const key = `${term.cjk ? 'c' : term.prefix ? 'p' : 'w'}${term.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

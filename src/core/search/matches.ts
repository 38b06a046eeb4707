/**
 * Finds where the terms of a query occur in a text, the way the index matched them: tokens split
 * like unicode61 and compared case- and accent-insensitively (prefix terms against token starts),
 * CJK terms as substrings since the index stores CJK text as bigrams.
 */
import type { QueryTerm } from './query.js';
import {
  foldToken,
  isInnerDiacritic,
  WORD_PATTERN,
  WORD_START_NON_ASCII_PATTERN,
  WORD_START_PATTERN,
} from './unicode61.js';

const WORD_G = new RegExp(WORD_PATTERN, 'gu');
const WORD_START_Y = new RegExp(WORD_START_PATTERN, 'uy');
/** Candidate finders by the ASCII characters a query's words may start with; a query's hits reuse one. */
const candidateFinders = new Map<string, RegExp>();
const CANDIDATE_FINDERS_KEPT = 32;

/**
 * The matches of `terms` in `text` (NFC), produced one by one in order of their start, so a caller
 * can stop reading a long text early; every match produced is kept in `starts`, `ends`, `termIds`.
 */
export class MatchStream {
  /** Every match produced so far, in order: starts, ends and term numbers. */
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly termIds: number[] = [];
  /** Distinct terms; term numbers run from 0 to termCount - 1. */
  readonly termCount: number;
  /** Where the match last produced by next() starts. */
  start: number = -1;
  readonly #text: string;
  readonly #exact = new Map<string, number>();
  readonly #prefixes: Array<[text: string, id: number]> = [];
  /** CJK matches, found up front by substring search and sorted: start, end, term triples. */
  readonly #cjk: number[] = [];
  #cjkNext = 0;
  /** Finds the tokens that could match a word term: see #advanceWord. */
  readonly #candidates: RegExp;
  #word: RegExpExecArray | null = null;
  #resumeAt = 0;
  #wordTerm = -1;
  #wordsDone: boolean;

  constructor(text: string, terms: readonly QueryTerm[]) {
    this.#text = text;
    const ids = new Map<string, number>();
    const cjk: Array<[start: number, end: number, id: number]> = [];
    let asciiFirsts = '';
    for (const term of terms) {
      if (term.text === '') continue;
      const key = `${term.cjk ? 'c' : term.prefix ? 'p' : 'w'}${term.text}`;
      if (ids.has(key)) continue;
      const id = ids.size;
      ids.set(key, id);
      if (term.cjk) {
        for (let at = text.indexOf(term.text); at >= 0; at = text.indexOf(term.text, at + term.text.length)) {
          cjk.push([at, at + term.text.length, id]);
        }
        continue;
      }
      if (term.prefix) this.#prefixes.push([term.text, id]);
      else this.#exact.set(term.text, id);
      const first = term.text[0]!;
      if (first < '\x80' && !asciiFirsts.includes(first)) asciiFirsts += first;
    }
    this.#candidates = candidateFinder(asciiFirsts);
    this.termCount = ids.size;
    cjk.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const triple of cjk) this.#cjk.push(...triple);
    this.#wordsDone = this.#exact.size === 0 && this.#prefixes.length === 0;
    this.#advanceWord();
  }

  /** Produces the next match into the arrays and `start`; false when there are no more. */
  next(): boolean {
    const cjkStart = this.#cjkNext < this.#cjk.length ? this.#cjk[this.#cjkNext]! : -1;
    const word = this.#word;
    if (word !== null && (cjkStart < 0 || word.index < cjkStart)) {
      this.#record(word.index, word.index + word[0].length, this.#wordTerm);
      this.#advanceWord();
      return true;
    }
    if (cjkStart < 0) return false;
    this.#record(cjkStart, this.#cjk[this.#cjkNext + 1]!, this.#cjk[this.#cjkNext + 2]!);
    this.#cjkNext += 3;
    return true;
  }

  #record(start: number, end: number, id: number): void {
    this.start = start;
    this.starts.push(start);
    this.ends.push(end);
    this.termIds.push(id);
  }

  /*
   * Running WORD_G over every token of a long text costs an allocation per token. Instead a finder
   * regex jumps to the tokens that could match: those starting with an ASCII character some term
   * starts with (folding keeps ASCII, lowercased) or with any non-ASCII character (É folds to e),
   * and not preceded by a token character. Only these are read and folded: five times faster on
   * long English text. The regexes are shared, so positions are set before each use; streams
   * never interleave since makeSnippet is synchronous.
   */
  #advanceWord(): void {
    this.#word = null;
    if (this.#wordsDone) return;
    const text = this.#text;
    let from = this.#resumeAt;
    for (;;) {
      this.#candidates.lastIndex = from;
      const candidate = this.#candidates.exec(text);
      if (candidate === null) break;
      from = candidate.index + candidate[0].length;
      if (!isTokenStart(text, candidate.index)) continue;
      WORD_G.lastIndex = candidate.index;
      const token = WORD_G.exec(text)!;
      from = WORD_G.lastIndex;
      const id = this.#termOf(foldToken(token[0]));
      if (id >= 0) {
        this.#word = token;
        this.#wordTerm = id;
        this.#resumeAt = from;
        return;
      }
    }
    this.#wordsDone = true;
  }

  #termOf(folded: string): number {
    const exact = this.#exact.get(folded);
    if (exact !== undefined) return exact;
    for (const [prefix, id] of this.#prefixes) if (folded.startsWith(prefix)) return id;
    return -1;
  }
}

function candidateFinder(asciiFirsts: string): RegExp {
  let finder = candidateFinders.get(asciiFirsts);
  if (finder === undefined) {
    if (candidateFinders.size >= CANDIDATE_FINDERS_KEPT) candidateFinders.clear();
    let firsts = '';
    for (const char of asciiFirsts) {
      // Terms are folded to lowercase; the text is not.
      firsts += `\\u{${char.charCodeAt(0).toString(16)}}${/[a-z]/.test(char) ? char.toUpperCase() : ''}`;
    }
    const start =
      firsts === '' ? WORD_START_NON_ASCII_PATTERN : `(?:[${firsts}]|${WORD_START_NON_ASCII_PATTERN})`;
    // The lookbehind runs after the cheap first-character test, which fails at most positions.
    finder = new RegExp(`${start}(?<!${WORD_START_PATTERN}.)`, 'gsu');
    candidateFinders.set(asciiFirsts, finder);
  }
  return finder;
}

/**
 * Whether a token starts at `at`, given that no token character precedes it directly: inner
 * diacritics may still join it to a token before them ("q\u0301x" is one token).
 */
function isTokenStart(text: string, at: number): boolean {
  let k = at;
  while (k > 0 && isInnerDiacritic(text.charCodeAt(k - 1))) k--;
  if (k === at || k === 0) return true;
  const low = text.charCodeAt(k - 1);
  WORD_START_Y.lastIndex =
    isLowSurrogate(low) && k >= 2 && isHighSurrogate(text.charCodeAt(k - 2)) ? k - 2 : k - 1;
  return !WORD_START_Y.test(text);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

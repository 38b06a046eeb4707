/**
 * Plain-text excerpts of search hits with the matched words marked. Text is matched the way the
 * index matched it: NFC, split into tokens like unicode61, compared case- and accent-insensitively;
 * CJK terms are found as substrings, since the index stores CJK text as bigrams.
 */
import { invalid } from '../errors.js';
import type { QueryTerm } from './query.js';
import { toNfc } from './text.js';
import { foldToken, WORD_PATTERN } from './unicode61.js';

/** A snippet and its highlights: sorted, non-overlapping `[start, end)` UTF-16 ranges into `snippet`. */
export interface Snippet {
  snippet: string;
  highlights: Array<[number, number]>;
}

const DEFAULT_MAX_LENGTH = 160;
const MIN_MAX_LENGTH = 8;
const ELLIPSIS = '…';
/** How far a cut may move to land between words instead of inside one. */
const WORD_SNAP = 24;
/** Whitespace that collapsing changes: runs of two or more, or any single one that is not ' '. */
const COLLAPSIBLE_SPACE_G = /\s{2,}|[^\S ]/g;
const WORD_G = new RegExp(WORD_PATTERN, 'gu');

/**
 * A plain-text excerpt of `text` (at most `maxLength` UTF-16 units, default 160; '…' where cut;
 * whitespace runs collapsed to one space; NFC) around the best cluster of matches of `terms`: the
 * window holding the most distinct terms, then the most matches, then the earliest. A prefix term
 * highlights the whole token it starts ("brul" marks all of "Brûlée"), which stays right however
 * folding changes lengths. Cuts fall between words where possible, never inside a surrogate pair.
 * Without matches the excerpt is the start of the text.
 */
export function makeSnippet(
  text: string,
  terms: readonly QueryTerm[],
  options?: { maxLength?: number },
): Snippet {
  const maxLength = options?.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength < MIN_MAX_LENGTH) {
    throw invalid(
      `snippet maxLength ${maxLength} is invalid: it must be an integer of at least ${MIN_MAX_LENGTH}`,
    );
  }
  const flat = toNfc(text).replace(COLLAPSIBLE_SPACE_G, ' ').trim();
  const matches = new MatchStream(flat, terms);
  // Two units stay free for the ellipses a window inside the text needs.
  const window = bestCluster(matches, maxLength - 2);
  let start = 0;
  let end = flat.length;
  if (flat.length > maxLength) [start, end] = cutAround(flat, window, maxLength);
  while (matches.next() && matches.start < end) {
    // Drains the stream so that matches after the cluster but inside the excerpt are marked too.
  }
  const lead = start > 0 ? ELLIPSIS : '';
  const snippet = `${lead}${flat.slice(start, end)}${end < flat.length ? ELLIPSIS : ''}`;
  return { snippet, highlights: highlightsIn(matches, start, end, lead.length - start) };
}

/** Matches of the terms in `text`, produced in order of their start. */
class MatchStream {
  /** Every match produced so far, in order: starts, ends and term numbers. */
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly termIds: number[] = [];
  readonly termCount: number;
  start = -1;
  readonly #text: string;
  readonly #exact = new Map<string, number>();
  readonly #prefixes: Array<[text: string, id: number]> = [];
  /** Lowercase ASCII first characters of word terms; a token starting with another one cannot match. */
  readonly #asciiFirsts = new Uint8Array(128);
  /** CJK matches, found up front by substring search and sorted: start, end, term triples. */
  readonly #cjk: number[] = [];
  #cjkNext = 0;
  #word: RegExpExecArray | null = null;
  #resumeAt = 0;
  #wordTerm = -1;
  #wordsDone: boolean;

  constructor(text: string, terms: readonly QueryTerm[]) {
    this.#text = text;
    const ids = new Map<string, number>();
    const cjk: Array<[start: number, end: number, id: number]> = [];
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
      const first = term.text.charCodeAt(0);
      if (first < 128) this.#asciiFirsts[first] = 1;
    }
    this.termCount = ids.size;
    cjk.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const triple of cjk) this.#cjk.push(...triple);
    this.#wordsDone = this.#exact.size === 0 && this.#prefixes.length === 0;
    WORD_G.lastIndex = 0;
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
   * WORD_G is shared by every stream, so its position is set before each use; streams never
   * interleave since makeSnippet is synchronous. A token starting with an ASCII character that
   * begins no term is skipped unfolded (folding keeps ASCII letters, lowercased), which passes over
   * most tokens of a long text without allocating a folded copy.
   */
  #advanceWord(): void {
    this.#word = null;
    if (this.#wordsDone) return;
    WORD_G.lastIndex = this.#resumeAt;
    for (let token = WORD_G.exec(this.#text); token !== null; token = WORD_G.exec(this.#text)) {
      let first = token[0].charCodeAt(0);
      if (first >= 0x41 && first <= 0x5a) first += 0x20;
      if (first < 128 && this.#asciiFirsts[first] === 0) continue;
      const id = this.#termOf(foldToken(token[0]));
      if (id >= 0) {
        this.#word = token;
        this.#wordTerm = id;
        this.#resumeAt = WORD_G.lastIndex;
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

/**
 * The cluster of matches to show: among runs of consecutive matches spanning at most `room` units,
 * the one with the most distinct terms, then the most matches, then the earliest. Reading stops once
 * a run holds every term, as no later run can hold more. Returns `[start, end]` of the cluster, or
 * null without matches.
 */
function bestCluster(matches: MatchStream, room: number): [number, number] | null {
  const { starts, ends, termIds } = matches;
  const counts = new Uint32Array(matches.termCount);
  let distinct = 0;
  let first = 0;
  let best: [number, number] | null = null;
  let bestDistinct = 0;
  let bestSize = 0;
  while (distinct < matches.termCount && matches.next()) {
    const last = starts.length - 1;
    if (counts[termIds[last]!]!++ === 0) distinct++;
    while (first < last && ends[last]! - starts[first]! > room) {
      if (--counts[termIds[first]!]! === 0) distinct--;
      first++;
    }
    const size = last - first + 1;
    if (distinct > bestDistinct || (distinct === bestDistinct && size > bestSize)) {
      let end = 0;
      for (let i = first; i <= last; i++) end = Math.max(end, ends[i]!);
      best = [starts[first]!, end];
      bestDistinct = distinct;
      bestSize = size;
    }
  }
  return best;
}

/** The `[start, end)` of an excerpt of at most `maxLength` units (ellipses included) around `cluster`. */
function cutAround(text: string, cluster: [number, number] | null, maxLength: number): [number, number] {
  const length = text.length;
  const room = maxLength - 2;
  const [clusterStart, clusterEnd] = cluster ?? [0, 0];
  let start = Math.max(0, clusterStart - Math.max(0, Math.floor((room - (clusterEnd - clusterStart)) / 2)));
  let end = start === 0 ? maxLength - 1 : start + room;
  if (end >= length) {
    end = length;
    start = length - (maxLength - 1);
  }
  if (start > 0 && isWordInside(text, start)) {
    const space = text.indexOf(' ', start);
    if (space >= 0 && space < Math.min(start + WORD_SNAP, clusterStart)) start = space + 1;
  }
  if (end < length && isWordInside(text, end)) {
    const space = text.lastIndexOf(' ', end - 1);
    if (space > Math.max(end - WORD_SNAP, clusterEnd - 1)) end = space;
  }
  if (start > 0 && text.charCodeAt(start) === 0x20) start++;
  if (end < length && text.charCodeAt(end - 1) === 0x20) end--;
  if (start > 0 && isLowSurrogate(text.charCodeAt(start)) && isHighSurrogate(text.charCodeAt(start - 1)))
    start++;
  if (end < length && isLowSurrogate(text.charCodeAt(end)) && isHighSurrogate(text.charCodeAt(end - 1)))
    end--;
  return [start, end];
}

/** Whether a cut at `at` would fall between two non-space characters. */
function isWordInside(text: string, at: number): boolean {
  return text.charCodeAt(at - 1) !== 0x20 && text.charCodeAt(at) !== 0x20;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The matches inside `[start, end)`, clipped to it, shifted by `shift`, overlapping ones merged. */
function highlightsIn(
  matches: MatchStream,
  start: number,
  end: number,
  shift: number,
): Array<[number, number]> {
  const highlights: Array<[number, number]> = [];
  const { starts, ends } = matches;
  for (let i = 0; i < starts.length; i++) {
    const from = Math.max(starts[i]!, start);
    const to = Math.min(ends[i]!, end);
    if (from >= to) continue;
    const previous = highlights[highlights.length - 1];
    if (previous && from + shift <= previous[1]) previous[1] = Math.max(previous[1], to + shift);
    else highlights.push([from + shift, to + shift]);
  }
  return highlights;
}

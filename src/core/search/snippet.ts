/**
 * Plain-text excerpts of search hits with the matched words marked: the window of the event's text
 * where the query's terms (found by MatchStream, the way the index matched them) cluster best.
 */
import { invalid } from '../errors.js';
import { MatchStream } from './matches.js';
import type { QueryTerm } from './query.js';
import { toNfc } from './text.js';

/** A snippet and its highlights: sorted, non-overlapping `[start, end)` UTF-16 ranges into `snippet`. */
export interface Snippet {
  snippet: string;
  highlights: Array<[number, number]>;
}

const DEFAULT_MAX_LENGTH = 160;
const MIN_MAX_LENGTH = 8;
const ELLIPSIS = '…';
/** How far a cut may move to land between words instead of inside one: 1/8 of the length, at most 24. */
const WORD_SNAP = 24;
const WORD_SNAP_SHARE = 8;
/** Whitespace that collapsing changes: runs of two or more, or any single one that is not ' '. */
const COLLAPSIBLE_SPACE_G = /\s{2,}|[^\S ]/g;

/**
 * A plain-text excerpt of `text` (at most `maxLength` UTF-16 units, default 160; '…' where cut;
 * whitespace runs collapsed to one space; NFC) around the best cluster of matches of `terms`: the
 * window holding the most distinct terms, then the most matches, then the tightest. A prefix term
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

/**
 * The cluster of matches to show: among runs of consecutive matches spanning at most `room` units,
 * the one with the most distinct terms, then the most matches, then the shortest, then the first.
 * Once a run holds every term, reading goes on for one more window's width only (a tighter run may
 * follow close by), so a long text is not read to its end. Returns the cluster's `[start, end]`, or
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
  while (matches.next()) {
    const last = starts.length - 1;
    if (best !== null && bestDistinct === matches.termCount && starts[last]! > best[1] + room) break;
    if (counts[termIds[last]!]!++ === 0) distinct++;
    while (first < last && ends[last]! - starts[first]! > room) {
      if (--counts[termIds[first]!]! === 0) distinct--;
      first++;
    }
    if (distinct < bestDistinct) continue;
    const size = last - first + 1;
    let end = 0;
    for (let i = first; i <= last; i++) end = Math.max(end, ends[i]!);
    const better =
      best === null ||
      distinct > bestDistinct ||
      size > bestSize ||
      (size === bestSize && end - starts[first]! < best[1] - best[0]);
    if (better) {
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
  const snap = Math.min(WORD_SNAP, Math.floor(maxLength / WORD_SNAP_SHARE));
  const [clusterStart, clusterEnd] = cluster ?? [0, 0];
  let start = Math.max(0, clusterStart - Math.max(0, Math.floor((room - (clusterEnd - clusterStart)) / 2)));
  let end = start === 0 ? maxLength - 1 : start + room;
  if (end >= length) {
    end = length;
    start = length - (maxLength - 1);
  }
  if (start > 0 && isWordInside(text, start)) {
    const space = text.indexOf(' ', start);
    if (space >= 0 && space < Math.min(start + snap, clusterStart)) start = space + 1;
  }
  if (end < length && isWordInside(text, end)) {
    const space = text.lastIndexOf(' ', end - 1);
    if (space > Math.max(end - snap, clusterEnd - 1)) end = space;
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

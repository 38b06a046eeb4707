/**
 * What SQLite's `unicode61` tokenizer (with `remove_diacritics 2`, as the event index uses it) reads
 * as a token, mirrored in JavaScript so that queries, terms and snippets split text exactly as FTS5
 * does. SQLite's tables are not JavaScript's `\p{L}\p{N}\p{Co}`: they date from an old Unicode
 * version, so every code point unassigned back then (newer emoji such as 🤔, newer scripts, all
 * unassigned code points) is a token character, and a few letters and marks differ. The ranges below
 * were measured from SQLite 3.54.1 by indexing every code point alone and between two letters;
 * `test/node/search-unicode61.test.ts` checks them against the real tokenizer.
 */

/** Code points unicode61 treats as separators (hex, inclusive ranges); surrogates are not listed. */
const SEPARATORS = `
0-2f 3a-40 5b-60 7b-a9 ab-b1 b4 b6-b8 bb bf d7 f7 2c2-2c5 2d2-2df 2e5-2eb 2ed 2ef-36f 375 37e
384-385 387 3f6 482-489 55a-55f 589-58a 58f 591-5c7 5f3-5f4 600-604 606-61b 61e-61f 64b-65f 66a-66d
670 6d4 6d6-6e4 6e7-6ed 6fd-6fe 700-70d 70f 711 730-74a 7a6-7b0 7eb-7f3 7f6-7f9 816-819 81b-823
825-827 829-82d 830-83e 859-85b 85e 8e4-8fe 900-903 93a-93c 93e-94f 951-957 962-965 970 981-983 9bc
9be-9c4 9c7-9c8 9cb-9cd 9d7 9e2-9e3 9f2-9f3 9fa-9fb a01-a03 a3c a3e-a42 a47-a48 a4b-a4d a51 a70-a71
a75 a81-a83 abc abe-ac5 ac7-ac9 acb-acd ae2-ae3 af0-af1 b01-b03 b3c b3e-b44 b47-b48 b4b-b4d b56-b57
b62-b63 b70 b82 bbe-bc2 bc6-bc8 bca-bcd bd7 bf3-bfa c01-c03 c3e-c44 c46-c48 c4a-c4d c55-c56 c62-c63
c7f c82-c83 cbc cbe-cc4 cc6-cc8 cca-ccd cd5-cd6 ce2-ce3 d02-d03 d3e-d44 d46-d48 d4a-d4d d57 d62-d63
d79 d82-d83 dca dcf-dd4 dd6 dd8-ddf df2-df4 e31 e34-e3a e3f e47-e4f e5a-e5b eb1 eb4-eb9 ebb-ebc
ec8-ecd f01-f1f f34-f3f f71-f87 f8d-f97 f99-fbc fbe-fcc fce-fda 102b-103e 104a-104f 1056-1059
105e-1060 1062-1064 1067-106d 1071-1074 1082-108d 108f 109a-109f 10fb 135d-1368 1390-1399 1400
166d-166e 1680 169b-169c 16eb-16ed 1712-1714 1732-1736 1752-1753 1772-1773 17b4-17d6 17d8-17db 17dd
1800-180e 18a9 1920-192b 1930-193b 1940 1944-1945 19b0-19c0 19c8-19c9 19de-19ff 1a17-1a1b 1a1e-1a1f
1a55-1a5e 1a60-1a7c 1a7f 1aa0-1aa6 1aa8-1aad 1b00-1b04 1b34-1b44 1b5a-1b7c 1b80-1b82 1ba1-1bad
1be6-1bf3 1bfc-1bff 1c24-1c37 1c3b-1c3f 1c7e-1c7f 1cc0-1cc7 1cd0-1ce8 1ced 1cf2-1cf4 1dc0-1de6
1dfc-1dff 1fbd 1fbf-1fc1 1fcd-1fcf 1fdd-1fdf 1fed-1fef 1ffd-1ffe 2000-2064 206a-206f 207a-207e
208a-208e 20a0-20b9 20d0-20f0 2100-2101 2103-2106 2108-2109 2114 2116-2118 211e-2123 2125 2127 2129
212e 213a-213b 2140-2144 214a-214d 214f 2190-23f3 2400-2426 2440-244a 249c-24e9 2500-26ff 2701-2775
2794-2b4c 2b50-2b59 2ce5-2cea 2cef-2cf1 2cf9-2cfc 2cfe-2cff 2d70 2d7f 2de0-2e2e 2e30-2e3b 2e80-2e99
2e9b-2ef3 2f00-2fd5 2ff0-2ffb 3000-3004 3008-3020 302a-3030 3036-3037 303d-303f 3099-309c 30a0 30fb
3190-3191 3196-319f 31c0-31e3 3200-321e 322a-3247 3250 3260-327f 328a-32b0 32c0-32fe 3300-33ff
4dc0-4dff a490-a4c6 a4fe-a4ff a60d-a60f a66f-a67e a69f a6f0-a6f7 a700-a716 a720-a721 a789-a78a a802
a806 a80b a823-a82b a836-a839 a874-a877 a880-a881 a8b4-a8c4 a8ce-a8cf a8e0-a8f1 a8f8-a8fa a926-a92f
a947-a953 a95f a980-a983 a9b3-a9cd a9de-a9df aa29-aa36 aa43 aa4c-aa4d aa5c-aa5f aa77-aa79 aa7b aab0
aab2-aab4 aab7-aab8 aabe-aabf aac1 aade-aadf aaeb-aaf1 aaf5-aaf6 abe3-abed fb1e fb29 fbb2-fbc1
fd3e-fd3f fdfc-fdfd fe00-fe19 fe20-fe26 fe30-fe52 fe54-fe66 fe68-fe6b feff ff01-ff0f ff1a-ff20
ff3b-ff40 ff5b-ff65 ffe0-ffe6 ffe8-ffee fff9-ffff 10100-10102 10137-1013f 10179-10189 10190-1019b
101d0-101fd 1039f 103d0 10857 1091f 1093f 10a01-10a03 10a05-10a06 10a0c-10a0f 10a38-10a3a 10a3f
10a50-10a58 10a7f 10b39-10b3f 11000-11002 11038-1104d 11080-11082 110b0-110c1 11100-11102
11127-11134 11140-11143 11180-11182 111b3-111c0 111c5-111c8 116ab-116b7 12470-12473 16f51-16f7e
16f8f-16f92 1d000-1d0f5 1d100-1d126 1d129-1d1dd 1d200-1d245 1d300-1d356 1d6c1 1d6db 1d6fb 1d715
1d735 1d74f 1d76f 1d789 1d7a9 1d7c3 1eef0-1eef1 1f000-1f02b 1f030-1f093 1f0a0-1f0ae 1f0b1-1f0be
1f0c1-1f0cf 1f0d1-1f0df 1f110-1f12e 1f130-1f16b 1f170-1f19a 1f1e6-1f202 1f210-1f23a 1f240-1f248
1f250-1f251 1f300-1f320 1f330-1f335 1f337-1f37c 1f380-1f393 1f3a0-1f3c4 1f3c6-1f3ca 1f3e0-1f3f0
1f400-1f43e 1f440 1f442-1f4f7 1f4f9-1f4fc 1f500-1f53d 1f540-1f543 1f550-1f567 1f5fb-1f640
1f645-1f64f 1f680-1f6c5 1f700-1f773 e0001 e0020-e007f e0100-e01ef
`;

/**
 * Combining diacritics unicode61 keeps inside a token (and then drops) but treats as separators at
 * a token's start: "q\u0301x" is one token "qx", while "\u0301x" is the token "x".
 */
const INNER_DIACRITICS = '300-304 306-30c 30f 311 31b 323-328 32d-32e 330-331';

/**
 * Chinese, Japanese and Korean token characters, which the index stores as bigrams: Hangul Jamo,
 * 々〆〇, Hangzhou numerals, kana iteration marks, Hiragana, Katakana with ー, Hangul compatibility
 * Jamo, Katakana extensions, CJK ideographs (extension A, unified, B and later, compatibility
 * ideographs), Hangul syllables and Jamo extensions, halfwidth Katakana and Hangul, kana supplements.
 * Only code points unicode61 reads as token characters are listed (no 、。・ or combining voicing marks).
 */
const CJK =
  '1100-11ff 3005-3007 3021-3029 3031-3035 3038-303c 3041-3098 309d-309f 30a1-30fa 30fc-30ff 3130-318f ' +
  '31f0-31ff 3400-4dbf 4e00-9fff a960-a97f ac00-d7ff f900-faff ff66-ffdc 1aff0-1b16f 20000-2fa1f 30000-3ffff';

const SURROGATES = 'd800-dfff';

/** Inclusive code point ranges as a flat sorted list: lo, hi, lo, hi, … */
type Ranges = number[];

function parseRanges(list: string): Ranges {
  const ranges: Ranges = [];
  for (const item of list.trim().split(/\s+/)) {
    const dash = item.indexOf('-');
    const lo = Number.parseInt(dash < 0 ? item : item.slice(0, dash), 16);
    ranges.push(lo, dash < 0 ? lo : Number.parseInt(item.slice(dash + 1), 16));
  }
  return ranges;
}

function union(...lists: Ranges[]): Ranges {
  const pairs: Array<[number, number]> = [];
  for (const list of lists) for (let i = 0; i < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: Ranges = [];
  for (const [lo, hi] of pairs) {
    const last = merged.length - 1;
    if (last > 0 && lo <= merged[last]! + 1) merged[last] = Math.max(merged[last]!, hi);
    else merged.push(lo, hi);
  }
  return merged;
}

function subtract(from: Ranges, remove: Ranges): Ranges {
  const kept: Ranges = [];
  for (let i = 0; i < from.length; i += 2) {
    let lo = from[i]!;
    const hi = from[i + 1]!;
    for (let j = 0; j < remove.length && lo <= hi; j += 2) {
      const rLo = remove[j]!;
      const rHi = remove[j + 1]!;
      if (rHi < lo || rLo > hi) continue;
      if (rLo > lo) kept.push(lo, rLo - 1);
      lo = rHi + 1;
    }
    if (lo <= hi) kept.push(lo, hi);
  }
  return kept;
}

/** The inside of a `u`-mode character class matching exactly these code points. */
function classBody(ranges: Ranges): string {
  let body = '';
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i]!;
    const hi = ranges[i + 1]!;
    body += lo === hi ? `\\u{${lo.toString(16)}}` : `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`;
  }
  return body;
}

const separators = union(parseRanges(SEPARATORS), parseRanges(SURROGATES));
const cjk = parseRanges(CJK);
const startExcluded = union(separators, cjk);
const innerExcluded = union(subtract(separators, parseRanges(INNER_DIACRITICS)), cjk);

/** Regex source (flag `u`) of a character that starts a token outside CJK text. */
export const WORD_START_PATTERN: string = `[^${classBody(startExcluded)}]`;

/** Regex source (flag `u`) of a non-ASCII character that starts a token outside CJK text. */
export const WORD_START_NON_ASCII_PATTERN: string = `[^\\u{0}-\\u{7f}${classBody(startExcluded)}]`;

/**
 * Regex source (flag `u`) of one token outside CJK text, as unicode61 reads it once CJK runs are
 * set apart: a token character, then token characters or inner diacritics. Lone surrogates are
 * separators, as SQLite sees them (they reach it as U+FFFD).
 */
export const WORD_PATTERN: string = `${WORD_START_PATTERN}[^${classBody(innerExcluded)}]*`;

const innerDiacritics = parseRanges(INNER_DIACRITICS);

/** Whether a UTF-16 unit is a diacritic that joins the characters around it into one token. */
export function isInnerDiacritic(code: number): boolean {
  for (let i = 0; i < innerDiacritics.length; i += 2) {
    if (code >= innerDiacritics[i]! && code <= innerDiacritics[i + 1]!) return true;
  }
  return false;
}

/** CJK membership of every BMP code point, for the per-character loop that builds bigrams. */
const CJK_BMP = new Uint8Array(0x10000);
const CJK_ASTRAL: Ranges = [];
for (let i = 0; i < cjk.length; i += 2) {
  if (cjk[i + 1]! <= 0xffff) CJK_BMP.fill(1, cjk[i]!, cjk[i + 1]! + 1);
  else CJK_ASTRAL.push(cjk[i]!, cjk[i + 1]!);
}

/** Whether a code point is a CJK token character (one the index stores as bigrams). */
export function isCjkCodePoint(codePoint: number): boolean {
  if (codePoint < 0x10000) return CJK_BMP[codePoint] === 1;
  for (let i = 0; i < CJK_ASTRAL.length; i += 2) {
    if (codePoint >= CJK_ASTRAL[i]! && codePoint <= CJK_ASTRAL[i + 1]!) return true;
  }
  return false;
}

/** Regex source (flag `u`) of one CJK token character. */
export const CJK_CHAR_PATTERN: string = `[${classBody(cjk)}]`;

/** Regex source (flag `u`) of any token character, CJK included. */
export const TOKEN_CHAR_PATTERN: string = `[^${classBody(separators)}]`;

const NON_ASCII = /[^\0-\x7f]/;
const MARKS_G = /\p{M}+/gu;
/*
 * unicode61 folds these to the same letter as their neighbours in the comment, where lowercasing
 * alone does not (toLowerCase is not case folding): ſ s, µ μ, ϐ β, ϵ ε, ϑ θ, ϰ κ, ϖ π, ϱ ρ, ς σ, ϕ φ.
 */
const FOLD_MORE_G = /[ſµϐϵϑϰϖϱςϕ]/g;
const FOLD_MORE: Readonly<Record<string, string>> = {
  ſ: 's',
  µ: 'μ',
  ϐ: 'β',
  ϵ: 'ε',
  ϑ: 'θ',
  ϰ: 'κ',
  ϖ: 'π',
  ϱ: 'ρ',
  ς: 'σ',
  ϕ: 'φ',
};

/**
 * A token's comparison key: lowercase, without diacritics. Two tokens unicode61 folds alike get the
 * same key (checked over every code point); the key is sometimes coarser than SQLite's (it also
 * strips Greek and Cyrillic accents), which only widens highlighting, never matching.
 */
export function foldToken(token: string): string {
  if (!NON_ASCII.test(token)) return token.toLowerCase();
  return token.normalize('NFD').replace(MARKS_G, '').toLowerCase().replace(FOLD_MORE_G, foldMore);
}

function foldMore(char: string): string {
  return FOLD_MORE[char] ?? char;
}

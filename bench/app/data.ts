/**
 * The benchmark's data, the same for every target: deterministic event text (so any target's
 * read-back can be checked against what was written), the search queries and a matcher that
 * says which events each query must find, and FNV-1a checksums of what targets read back.
 *
 * The vocabulary is controlled so that "word matches" (FTS5 tokens) and "substring matches" (what
 * a scan does with `includes`) find exactly the same events: no generated word contains a query
 * word, the prefix family `synchro…` appears only as whole words, and the Chinese phrase's five
 * characters never occur except in the phrase itself.
 */

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a over a string's UTF-16 units, folded into a running value. */
export function fnv(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a over bytes. */
export function fnvBytes(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hex(h: number): string {
  return h.toString(16).padStart(8, '0');
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'tu',
  'va',
  'sel',
  'po',
  'dri',
  'an',
  'qu',
  'ex',
  'mor',
  'fi',
  'ne',
  'gal',
  'ost',
  'pri',
  'lum',
  'cor',
  'ta',
  'vin',
  'be',
  'hol',
  'ur',
  'zen',
  'wa',
  'ni',
  'pla',
  'sto',
  'ir',
  'cle',
];
const QUERY_PARTS = ['database', 'synchro', 'zephyr', 'zeph'];

/** ~1 900 pseudo-words; index 0 is the most frequent. None contains a query word. */
const VOCABULARY: readonly string[] = (() => {
  const random = prng(7);
  const words = new Set<string>();
  while (words.size < 1900) {
    const n = 1 + Math.floor(random() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    if (!QUERY_PARTS.some((q) => w.includes(q))) words.add(w);
  }
  return [...words];
})();

/* Chinese words without 数 据 库 索 引, so "数据库索引" appears only where it is put. */
const CHINESE = [
  '我们',
  '今天',
  '讨论',
  '模型',
  '对话',
  '历史',
  '存储',
  '浏览器',
  '性能',
  '测试',
  '用户',
  '消息',
  '助手',
  '工具',
  '结果',
  '问题',
  '方法',
  '系统',
  '文件',
  '网络',
  '缓存',
  '查询',
  '速度',
  '内存',
  '页面',
  '线程',
  '同步',
  '异步',
  '版本',
  '更新',
  '代码',
  '函数',
  '错误',
  '日志',
  '配置',
  '服务',
  '接口',
  '请求',
  '响应',
  '时间',
  '数量',
  '记录',
  '搜索',
  '全文',
  '中文',
  '分词',
  '稳定',
  '可靠',
  '快速',
  '简单',
  '重要',
  '需要',
  '可以',
  '已经',
  '正在',
  '完成',
];
const SYNCHRO = ['synchronize', 'synchronous', 'synchronization', 'synchronized'];

export interface Query {
  name: 'rare' | 'common' | 'prefix' | 'chinese';
  /** What a person types into the search box. */
  text: string;
  /** The substring a scan looks for (lowercased), the same events FTS5 finds for `text`. */
  needle: string;
}

export const QUERIES: readonly Query[] = [
  { name: 'rare', text: 'zephyrine', needle: 'zephyrine' },
  { name: 'common', text: 'database', needle: 'database' },
  { name: 'prefix', text: 'synchro', needle: 'synchro' },
  { name: 'chinese', text: '数据库索引', needle: '数据库索引' },
];

/** Whether a scan finds `query` in `text`: the match a peer without full-text search does. */
export function scanMatches(text: string, query: Query): boolean {
  return text.toLowerCase().includes(query.needle);
}

/**
 * The text of event `seq` (1-based) of session `session`: 10–55 words, 1 in 10 events mostly
 * Chinese; 'database(s)' in about 25 %, a `synchro…` word in 3 %, 'zephyrine' in 1 of 20 000, the
 * Chinese phrase in 1 % of Chinese events.
 */
export function eventText(session: string, seq: number): string {
  const random = prng(fnv(session) ^ Math.imul(seq, 0x9e3779b1));
  const words: string[] = [];
  const chinese = random() < 0.1;
  const n = 10 + Math.floor(random() * 46);
  if (chinese) {
    let sentence = '';
    for (let i = 0; i < n / 2; i++) sentence += CHINESE[Math.floor(random() * CHINESE.length)];
    if (random() < 0.01) {
      const at = Math.floor(random() * sentence.length);
      sentence = `${sentence.slice(0, at)}数据库索引${sentence.slice(at)}`;
    }
    words.push(`${sentence}。`);
    for (let i = 0; i < 4; i++) words.push(VOCABULARY[Math.floor(VOCABULARY.length * random() ** 2.5)]!);
  } else {
    for (let i = 0; i < n; i++) words.push(VOCABULARY[Math.floor(VOCABULARY.length * random() ** 2.5)]!);
  }
  const at = () => Math.floor(random() * (words.length + 1));
  if (random() < 0.25) words.splice(at(), 0, random() < 0.8 ? 'database' : 'databases');
  if (random() < 0.03) words.splice(at(), 0, SYNCHRO[Math.floor(random() * SYNCHRO.length)]!);
  if (random() < 1 / 20_000) words.splice(at(), 0, 'zephyrine');
  const text = words.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

export type BenchRole = 'user' | 'assistant';

/** One event as every target stores it. */
export interface BenchEvent {
  sessionId: string;
  seq: number;
  role: BenchRole;
  content: string;
  tokens: number;
}

export function benchEvent(sessionId: string, seq: number): BenchEvent {
  const content = eventText(sessionId, seq);
  return {
    sessionId,
    seq,
    role: seq % 2 === 1 ? 'user' : 'assistant',
    content,
    tokens: Math.ceil(content.length / 4),
  };
}

/** The events `from`..`from + count - 1` of a session. */
export function eventRange(sessionId: string, from: number, count: number): BenchEvent[] {
  const out: BenchEvent[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = benchEvent(sessionId, from + i);
  return out;
}

/** What a read returns, reduced to what every target can return: seq and content. */
export interface ReadEvent {
  sessionId: string;
  seq: number;
  content: string;
}

/** Folds events into a checksum: seq and content, in the order given. */
export function eventsChecksum(events: readonly ReadEvent[], h = 0x811c9dc5): number {
  for (const e of events) h = fnv(`${e.sessionId}\u0001${e.seq}\u0001${e.content}\u0002`, h);
  return h;
}

/**
 * Artifact bytes: UTF-8 text of ~100-byte JSON lines, deterministic. `size` is exact (the last
 * line is cut).
 */
export function artifactBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const encoder = new TextEncoder();
  let at = 0;
  for (let line = 0; at < size; line++) {
    const text = `{"line":${line},"level":"${line % 7 === 0 ? 'warn' : 'info'}","msg":"${VOCABULARY[line % 97]} ${VOCABULARY[(line * 31) % 1900]} step ${line}"}\n`;
    const bytes = encoder.encode(text);
    out.set(bytes.subarray(0, Math.min(bytes.length, size - at)), at);
    at += bytes.length;
  }
  return out;
}

/** Selected lines [start, end) of text, joined by '\n', as threadkeep's drilldown returns them. */
export function sliceLines(text: string, start: number, end: number): string {
  const lines: string[] = [];
  let line = 0;
  let from = 0;
  while (line < end && from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    if (line >= start) lines.push(text.slice(from, to));
    line++;
    from = to + 1;
    if (to === text.length) break;
  }
  return lines.join('\n');
}

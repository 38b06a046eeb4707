/**
 * The scripted agent's "model": a pure function from the prompt to a plan (an optional tool call,
 * then a reply). No network and no randomness beyond a hash of the prompt, so every run is
 * reproducible and the tests can assert what they will see.
 */
import type { JsonObject } from '../src/index.js';
import { buildLog, salesTable, serviceConfig, type ToolOutput } from './agent-artifacts.js';
import { hashString, seededRandom } from './seeded-random.js';

export interface ToolStep {
  name: 'query_sales' | 'fetch_config' | 'run_build';
  arguments: JsonObject;
  /** What the agent says before calling the tool. */
  preamble: string;
  output: ToolOutput;
}

export interface ReplyPlan {
  tool: ToolStep | null;
  reply: string;
}

/** Prompts a new user can click on the empty chat page; each shows a different part of threadkeep. */
export const SUGGESTIONS = [
  'Show me the Q3 sales table',
  'Fetch the agent-gateway config',
  'Run the build and show me the log',
  'What can you do offline?',
] as const;

const SALES = /\b(sales|csv|table|revenue|orders?)\b/i;
const CONFIG = /\b(config|configuration|json|settings)\b/i;
const BUILD = /\b(build|logs?|ci)\b/i;
const HELP = /\b(help|what can you|who are you|threadkeep|offline)\b/i;

export function planReply(prompt: string, turn: number): ReplyPlan {
  const seed = hashString(prompt);
  if (SALES.test(prompt)) {
    const output = salesTable(seed);
    const f = output.facts;
    return {
      tool: {
        name: 'query_sales',
        arguments: { quarter: '2025-Q3', format: 'csv' },
        preamble: 'Let me pull the Q3 orders from the sales warehouse.',
        output,
      },
      reply:
        `The Q3 table has ${f.rows} orders and ${f.total} in revenue; ${f.topRegion} leads with ${f.topShare} of it. ` +
        'It is stored as an artifact next to this chat. Open it to page through any rows: the page asks ' +
        '`drilldown` for just those rows, so the whole file never crosses into this tab.',
    };
  }
  if (CONFIG.test(prompt)) {
    const output = serviceConfig(seed);
    const f = output.facts;
    return {
      tool: {
        name: 'fetch_config',
        arguments: { service: 'agent-gateway', environment: 'production' },
        preamble: 'Fetching the production config of agent-gateway.',
        output,
      },
      reply:
        `agent-gateway runs version ${f.version} with a ${f.maxTokens}-token limit and ${f.deployments} deployments. ` +
        'The document is long; pick keys in the explorer (try `limits` or `featureFlags.streaming`) and only ' +
        'those come back from the worker.',
    };
  }
  if (BUILD.test(prompt)) {
    const output = buildLog(seed);
    const f = output.facts;
    return {
      tool: {
        name: 'run_build',
        arguments: { target: 'web', cache: true },
        preamble: 'Starting a clean build of the web target.',
        output,
      },
      reply:
        `The build succeeded in ${f.seconds} s with ${f.warnings} warnings, and wrote ${f.lines} lines of log. ` +
        'The first lines are below; the explorer shows any range of lines, read straight from storage.',
    };
  }
  if (HELP.test(prompt)) {
    return {
      tool: null,
      reply:
        "I'm a scripted agent: no model, no network, and nothing leaves this browser. Every message, each " +
        'token of a streamed reply and every tool output is written to threadkeep as it happens: SQLite in a ' +
        'worker, saved to the origin-private file system (or IndexedDB). Reload the page, go offline, open a ' +
        'second tab or search from the box at the top, and the history is there. Ask me for the sales table, ' +
        'the service config or a build log to see tool calls with artifacts.',
    };
  }
  return { tool: null, reply: smallTalk(prompt, turn, seed) };
}

const OPENINGS = [
  'Here is how I would think about “{topic}”.',
  'Good question: “{topic}”.',
  'Noted: “{topic}”.',
] as const;

const MIDDLES = [
  'Since this conversation lives in your browser, you can keep working on it on a plane and pick it up after a reload.',
  'Each reply streams into a partial event that is patched token by token, then marked complete, so a crash mid-reply leaves a visible, half-written message instead of nothing.',
  'Search indexes every finished message across all chats, so this one will be found by any of its words.',
  'If you want a different answer, edit your message: the chat forks at that point and the original stays as it was.',
  'Everything here is a plain append-only event log, which is what a real agent needs to resume, replay or export a conversation.',
] as const;

function smallTalk(prompt: string, turn: number, seed: number): string {
  const random = seededRandom(seed + turn);
  const topic = prompt.length > 80 ? `${prompt.slice(0, 77)}…` : prompt;
  const opening = random.pick(OPENINGS).replace('{topic}', topic);
  const first = random.int(0, MIDDLES.length - 1);
  const second = (first + random.int(1, MIDDLES.length - 1)) % MIDDLES.length;
  return `${opening} ${MIDDLES[first]} ${MIDDLES[second]} (Turn ${turn} of this chat.)`;
}

/** Splits a reply into the pieces the agent streams: each word with the space before it. */
export function streamTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** A rough token count (about four characters a token), enough for `tokens` and `tokenCount`. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

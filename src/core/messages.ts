import { toAnthropic } from './messages-anthropic.js';
import { toOpenAI } from './messages-openai.js';
import type { JsonObject, JsonValue, StoredEvent, ToolCall } from './types.js';

/** How `events.messages()` shapes its answer; the caller has validated it and filled in the defaults. */
export interface MessageOptions {
  format: 'openai' | 'anthropic';
  maxTokens: number | undefined;
  includeSummary: boolean;
}

/** Content as both APIs take it: text, or an array of parts passed through untouched. */
export type MessageContent = string | JsonValue[];

/** A tool result; it travels inside the assistant turn whose call it answers. */
export interface TurnResult {
  callId: string;
  content: MessageContent | null;
}

/**
 * One entry of the paired transcript, and the unit `maxTokens` keeps or drops whole: an assistant
 * turn carries the results of its calls, so a call is never separated from its results. Every call
 * of an assistant turn has exactly one result, and its `content` is null only when it has calls.
 */
export type Turn = TextTurn<'system'> | TextTurn<'user'> | AssistantTurn;

export interface TextTurn<R extends 'system' | 'user'> {
  role: R;
  content: MessageContent;
  tokens: number;
}

export interface AssistantTurn {
  role: 'assistant';
  content: MessageContent | null;
  calls: ToolCall[];
  results: TurnResult[];
  tokens: number;
}

/**
 * Builds the message list to send to a model from a session's stored transcript (all its events,
 * ascending seq). Only complete `'message'` and `'tool_result'` events with a role take part; tool
 * calls without a stored result and results without their call are left out, because both APIs
 * reject such lists. Results are placed right after the assistant message that made the call, even
 * when other messages were stored in between, since both APIs require that order. `maxTokens` keeps
 * every system message and the newest turns that fit; the summary is never counted or dropped.
 */
export function buildMessages(
  events: readonly StoredEvent[],
  summary: string | null,
  options: MessageOptions,
): JsonObject[] {
  const turns = keepNewest(pairTurns(events), options.maxTokens);
  const messages = options.format === 'anthropic' ? toAnthropic(turns) : toOpenAI(turns);
  // An empty summary is left out too: both APIs reject empty system text.
  if (options.includeSummary && summary) messages.unshift({ role: 'system', content: summary });
  return messages;
}

function pairTurns(events: readonly StoredEvent[]): Turn[] {
  const turns: Turn[] = [];
  // Calls still waiting for their result. A result answers only a call made before it, and only once:
  // a second result for the same call, or a call id seen before, would be rejected as a duplicate.
  const waiting = new Map<string, AssistantTurn>();
  const seenCallIds = new Set<string>();
  for (const event of events) {
    if (event.status !== 'complete' || event.role === null) continue;
    if (event.kind !== 'message' && event.kind !== 'tool_result') continue;
    if (event.kind === 'tool_result' || event.role === 'tool' || event.toolCallId !== null) {
      const callId = event.toolCallId;
      const turn = callId === null ? undefined : waiting.get(callId);
      if (callId === null || turn === undefined) continue;
      waiting.delete(callId);
      turn.results.push({ callId, content: toContent(event.content) });
      turn.tokens += event.tokens;
    } else if (event.role === 'assistant') {
      const calls: ToolCall[] = [];
      for (const call of event.toolCalls) {
        if (seenCallIds.has(call.id)) continue;
        seenCallIds.add(call.id);
        calls.push(call);
      }
      const turn: AssistantTurn = {
        role: 'assistant',
        content: toContent(event.content),
        calls,
        results: [],
        tokens: event.tokens,
      };
      for (const call of calls) waiting.set(call.id, turn);
      turns.push(turn);
    } else if (event.role === 'system' || event.role === 'user') {
      const content = toContent(event.content);
      // A message with nothing in it is rejected by both APIs and tells the model nothing.
      if (content !== null) turns.push({ role: event.role, content, tokens: event.tokens });
    }
  }
  return turns.flatMap<Turn>((turn) => (turn.role === 'assistant' ? settle(turn) : [turn]));
}

/** Drops the calls that got no result; the turn stays for its text, and goes when it has none. */
function settle(turn: AssistantTurn): AssistantTurn[] {
  const answered = new Set(turn.results.map((result) => result.callId));
  const calls = turn.calls.filter((call) => answered.has(call.id));
  if (calls.length === 0 && turn.content === null) return [];
  return [{ ...turn, calls }];
}

/**
 * Keeps every system turn, then the newest other turns while their tokens fit beside the system
 * ones. It stops at the first turn that does not fit rather than skipping it: an older turn after a
 * gap would hand the model a conversation with a hole in it.
 */
function keepNewest(turns: Turn[], maxTokens: number | undefined): Turn[] {
  if (maxTokens === undefined) return turns;
  let used = 0;
  for (const turn of turns) if (turn.role === 'system') used += turn.tokens;
  const kept = new Set<Turn>();
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role === 'system') continue;
    if (used + turn.tokens > maxTokens) break;
    used += turn.tokens;
    kept.add(turn);
  }
  return turns.filter((turn) => turn.role === 'system' || kept.has(turn));
}

/**
 * Strings and arrays of parts pass through. Any other JSON (a tool's object result, a number) is
 * sent as its JSON text, since neither API takes it as content. Null, '' and [] mean "no content".
 */
function toContent(value: JsonValue | null): MessageContent | null {
  if (value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length === 0 ? null : value;
  return JSON.stringify(value);
}

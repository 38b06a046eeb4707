import type { MessageContent, Turn, TurnResult } from './messages.js';
import type { JsonObject, JsonValue, ToolCall } from './types.js';

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: MessageContent;
}

/**
 * Shapes paired turns as Anthropic's Messages API takes them. That API has no system role inside
 * `messages`, so system turns come first as `{role:'system', content}`, in stored order, for the
 * caller to lift into its `system` parameter. Tool calls become `tool_use` blocks of the assistant
 * message, and the results answering that message become `tool_result` blocks of the one user
 * message right after it. Consecutive messages of the same role (a user message stored after tool
 * results, two user messages in a row) are merged into one message whose content is the blocks of
 * both, in order: the API wants user and assistant to alternate.
 */
export function toAnthropic(turns: readonly Turn[]): JsonObject[] {
  const system: JsonObject[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], content: MessageContent): void => {
    const last = messages.at(-1);
    if (last?.role === role) last.content = [...toBlocks(last.content), ...toBlocks(content)];
    else messages.push({ role, content });
  };
  for (const turn of turns) {
    if (turn.role === 'system') {
      system.push({ role: 'system', content: turn.content });
    } else if (turn.role === 'user') {
      push('user', turn.content);
    } else if (turn.calls.length === 0) {
      push('assistant', turn.content ?? []);
    } else {
      push('assistant', [...toBlocks(turn.content), ...turn.calls.map(toolUse)]);
      // Always a fresh user message (the previous one is the assistant's), so its tool_result
      // blocks come first, as the API requires of the message following tool_use blocks.
      push('user', turn.results.map(toolResult));
    }
  }
  return [...system, ...messages.map(({ role, content }) => ({ role, content }))];
}

function toBlocks(content: MessageContent | null): JsonValue[] {
  if (content === null) return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function toolUse(call: ToolCall): JsonObject {
  return { type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments) };
}

/**
 * The API requires `input` to be an object. A string is read as JSON text, the way OpenAI-style
 * callers store arguments. Null or blank means no arguments and gives `{}`; any other value that is
 * not an object (a number, an array, text that is not JSON) is wrapped as `{ value }`.
 */
function toolInput(args: JsonValue): JsonObject {
  let value = args;
  if (typeof args === 'string') {
    if (args.trim() === '') return {};
    try {
      value = JSON.parse(args) as JsonValue;
    } catch {
      return { value: args };
    }
  }
  if (value === null) return {};
  return typeof value === 'object' && !Array.isArray(value) ? value : { value };
}

function toolResult(result: TurnResult): JsonObject {
  const block: JsonObject = { type: 'tool_result', tool_use_id: result.callId };
  // `content` is optional in the API; a tool that returned nothing gets a block without it.
  if (result.content !== null) block.content = result.content;
  return block;
}

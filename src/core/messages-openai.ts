import type { Turn } from './messages.js';
import type { JsonObject, ToolCall } from './types.js';

/**
 * Shapes paired turns as OpenAI's Chat Completions API takes them. System messages stay where they
 * were stored: that API reads them anywhere in the list, and a later one often applies from there on.
 */
export function toOpenAI(turns: readonly Turn[]): JsonObject[] {
  const messages: JsonObject[] = [];
  for (const turn of turns) {
    if (turn.role !== 'assistant') {
      messages.push({ role: turn.role, content: turn.content });
    } else if (turn.calls.length === 0) {
      messages.push({ role: 'assistant', content: turn.content });
    } else {
      // The API wants content null, not '', on an assistant message that only calls tools.
      messages.push({ role: 'assistant', content: turn.content, tool_calls: turn.calls.map(toolCall) });
      for (const result of turn.results) {
        // A tool message must have content; a tool that returned nothing answers with ''.
        messages.push({ role: 'tool', content: result.content ?? '', tool_call_id: result.callId });
      }
    }
  }
  return messages;
}

function toolCall(call: ToolCall): JsonObject {
  // The API takes arguments as JSON text: a stored string is taken to be that text already.
  const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
  return { id: call.id, type: 'function', function: { name: call.name, arguments: args } };
}

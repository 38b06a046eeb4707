import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { buildMessages, type MessageOptions } from '../../src/core/messages.js';
import type {
  EventStatus,
  JsonObject,
  JsonValue,
  Role,
  StoredEvent,
  ToolCall,
} from '../../src/core/types.js';

/** Stored events in the order given, with seqs 1, 2, 3 … and every field a fixture leaves out at its default. */
function transcript(...events: Partial<StoredEvent>[]): StoredEvent[] {
  return events.map((event, i) => ({
    id: `e${i + 1}`,
    sessionId: 's1',
    seq: i + 1,
    kind: 'message',
    role: null,
    content: null,
    toolCalls: [],
    toolCallId: null,
    parentId: null,
    requestId: null,
    tokens: 0,
    metadata: {},
    artifacts: [],
    status: 'complete',
    createdAt: 1_700_000_000_000 + i,
    ...event,
  }));
}

const system = (content: JsonValue, tokens = 0): Partial<StoredEvent> => ({
  role: 'system',
  content,
  tokens,
});
const user = (content: JsonValue, tokens = 0): Partial<StoredEvent> => ({ role: 'user', content, tokens });
const assistant = (content: JsonValue, toolCalls: ToolCall[] = [], tokens = 0): Partial<StoredEvent> => ({
  role: 'assistant',
  content,
  toolCalls,
  tokens,
});
const result = (toolCallId: string, content: JsonValue, tokens = 0): Partial<StoredEvent> => ({
  kind: 'tool_result',
  role: 'tool',
  toolCallId,
  content,
  tokens,
});
const call = (id: string, name: string, args: JsonValue): ToolCall => ({ id, name, arguments: args });

const openai: MessageOptions = { format: 'openai', maxTokens: undefined, includeSummary: true };
const anthropic: MessageOptions = { format: 'anthropic', maxTokens: undefined, includeSummary: true };

const chat = transcript(system('Be brief.'), user('Hi'), assistant('Hello!'), user('Bye'));
const weather = transcript(
  user('Weather in Paris and Rome?'),
  assistant('Checking both.', [
    call('c1', 'weather', { city: 'Paris' }),
    call('c2', 'weather', '{"city":"Rome"}'),
  ]),
  result('c1', '18°C'),
  result('c2', { celsius: 24 }),
  assistant('Paris 18°C, Rome 24°C.'),
);

describe('plain chat', () => {
  test('openai keeps roles and string content in seq order', () => {
    expect(buildMessages(chat, null, openai)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Bye' },
    ]);
  });

  test('anthropic returns system text first and keeps string content as a string', () => {
    const events = transcript(
      user('Hi'),
      system('Be brief.'),
      assistant('Hello!'),
      system('Reply in French.'),
    );
    expect(buildMessages(events, null, anthropic)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'Reply in French.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ]);
  });

  test('structured parts pass through; other JSON content is sent as its JSON text', () => {
    const parts = [
      { type: 'text', text: 'Look:' },
      { type: 'image_url', image_url: { url: 'data:,' } },
    ];
    const events = transcript(user(parts), assistant({ answer: 42 }));
    expect(buildMessages(events, null, openai)).toEqual([
      { role: 'user', content: parts },
      { role: 'assistant', content: '{"answer":42}' },
    ]);
  });
});

describe('summary', () => {
  test('comes first, before stored system messages, in both formats', () => {
    const summary = { role: 'system', content: 'They said hello.' };
    expect(buildMessages(chat, 'They said hello.', openai)[0]).toEqual(summary);
    expect(buildMessages(chat, 'They said hello.', openai)[1]).toEqual({
      role: 'system',
      content: 'Be brief.',
    });
    expect(buildMessages(chat, 'They said hello.', anthropic).slice(0, 2)).toEqual([
      summary,
      { role: 'system', content: 'Be brief.' },
    ]);
  });

  test('is left out when includeSummary is false, or when there is none', () => {
    const plain = buildMessages(chat, null, openai);
    expect(buildMessages(chat, 'They said hello.', { ...openai, includeSummary: false })).toEqual(plain);
    expect(buildMessages(chat, '', openai)).toEqual(plain);
  });
});

describe('tool calls', () => {
  test('openai: parallel calls with their results, arguments as JSON text', () => {
    expect(buildMessages(weather, null, openai)).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'c2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', content: '18°C', tool_call_id: 'c1' },
      { role: 'tool', content: '{"celsius":24}', tool_call_id: 'c2' },
      { role: 'assistant', content: 'Paris 18°C, Rome 24°C.' },
    ]);
  });

  test('anthropic: tool_use blocks, and the results of one turn grouped into one user message', () => {
    expect(buildMessages(weather, null, anthropic)).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'c1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'c2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'c2', content: '{"celsius":24}' },
        ],
      },
      { role: 'assistant', content: 'Paris 18°C, Rome 24°C.' },
    ]);
  });

  test('anthropic merges same-role neighbours, tool results first', () => {
    const events = transcript(
      user('a'),
      user('b'),
      assistant(null, [call('c1', 'now', null), call('c2', 'echo', '"hi"'), call('c3', 'raw', 'not json')]),
      result('c1', null),
      result('c2', 'hi'),
      result('c3', 'ok'),
      user('thanks'),
    );
    expect(buildMessages(events, null, anthropic)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'c1', name: 'now', input: {} },
          { type: 'tool_use', id: 'c2', name: 'echo', input: { value: 'hi' } },
          { type: 'tool_use', id: 'c3', name: 'raw', input: { value: 'not json' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c1' },
          { type: 'tool_result', tool_use_id: 'c2', content: 'hi' },
          { type: 'tool_result', tool_use_id: 'c3', content: 'ok' },
          { type: 'text', text: 'thanks' },
        ],
      },
    ]);
  });

  test('a call without a result is dropped; the message keeps its text, or goes when it has none', () => {
    const events = transcript(
      user('go'),
      assistant('Two lookups.', [call('c1', 'a', {}), call('c2', 'b', {})]),
      result('c2', 'B'),
      assistant('Trying again.', [call('c3', 'a', {})]),
      assistant(null, [call('c4', 'a', {})]),
    );
    expect(buildMessages(events, null, openai)).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: 'Two lookups.',
        tool_calls: [{ id: 'c2', type: 'function', function: { name: 'b', arguments: '{}' } }],
      },
      { role: 'tool', content: 'B', tool_call_id: 'c2' },
      { role: 'assistant', content: 'Trying again.' },
    ]);
  });

  test('an orphan result is dropped: no such call, a call in a partial event, a result before its call, a repeat', () => {
    const events = transcript(
      user('go'),
      result('c0', 'nobody asked'),
      { ...assistant(null, [call('c1', 'a', {})]), status: 'partial' },
      result('c1', 'streamed call'),
      result('c2', 'too early'),
      assistant(null, [call('c2', 'a', {})]),
      result('c2', 'first'),
      result('c2', 'repeat'),
    );
    expect(buildMessages(events, null, openai)).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c2', type: 'function', function: { name: 'a', arguments: '{}' } }],
      },
      { role: 'tool', content: 'first', tool_call_id: 'c2' },
    ]);
  });

  test('a result stored after a later message is moved right after its call', () => {
    const events = transcript(
      assistant(null, [call('c1', 'slow', {})]),
      user('still there?'),
      result('c1', 'done'),
    );
    expect(buildMessages(events, null, openai).map((m) => m.role)).toEqual(['assistant', 'tool', 'user']);
  });
});

describe('what is not a message', () => {
  test('partial events, notes, deltas and role-less events are skipped', () => {
    const events = transcript(
      user('Hi'),
      { kind: 'note', role: 'user', content: 'internal note' },
      { kind: 'delta', role: 'assistant', content: 'Hel' },
      { kind: 'message', role: null, content: 'no role' },
      { ...assistant('Hello, wor'), status: 'partial' },
      user(''),
      assistant('Hello!'),
    );
    const expected = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ];
    expect(buildMessages(events, null, openai)).toEqual(expected);
    expect(buildMessages(events, null, anthropic)).toEqual(expected);
  });
});

describe('maxTokens', () => {
  const long = transcript(
    system('Rules.', 10),
    user('old question', 40),
    assistant(null, [call('c1', 'search', {})], 5),
    result('c1', 'big result', 50),
    assistant('Found it.', [], 10),
    user('new question', 20),
  );

  test('keeps system messages and the newest turns that fit, a call with its results as one unit', () => {
    // 10 (system) + 20 + 10 = 40 of 90: the call unit (55) does not fit, so it and everything older goes.
    expect(buildMessages(long, null, { ...openai, maxTokens: 90 })).toEqual([
      { role: 'system', content: 'Rules.' },
      { role: 'assistant', content: 'Found it.' },
      { role: 'user', content: 'new question' },
    ]);
    // 95 fits the unit whole, but not the 40-token question before it.
    expect(buildMessages(long, null, { ...openai, maxTokens: 95 }).map((m) => m.role)).toEqual([
      'system',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
  });

  test('system messages stay even when they alone exceed the budget; the summary is not counted', () => {
    expect(buildMessages(long, 'Earlier: greetings.', { ...anthropic, maxTokens: 5 })).toEqual([
      { role: 'system', content: 'Earlier: greetings.' },
      { role: 'system', content: 'Rules.' },
    ]);
  });

  test('stops at the first turn that does not fit instead of keeping older ones behind a gap', () => {
    const events = transcript(user('small', 1), assistant('huge', [], 100), user('last', 1));
    expect(buildMessages(events, null, { ...openai, maxTokens: 10 })).toEqual([
      { role: 'user', content: 'last' },
    ]);
  });
});

describe('invariants over random transcripts', () => {
  const ids = ['c1', 'c2', 'c3', 'c4'];
  const tokens = fc.nat(30);
  const status = fc.constantFrom<EventStatus>('complete', 'complete', 'partial');
  const eventArb: fc.Arbitrary<Partial<StoredEvent>> = fc.oneof(
    fc.record({ role: fc.constantFrom<Role>('system', 'user', 'assistant'), tokens, status }),
    fc.record({
      role: fc.constant<Role>('assistant'),
      toolCalls: fc.uniqueArray(fc.constantFrom(...ids)).map((cs) => cs.map((id) => call(id, 'f', {}))),
      tokens,
      status,
    }),
    fc.record({
      kind: fc.constant('tool_result'),
      role: fc.constant<Role>('tool'),
      toolCallId: fc.constantFrom(...ids),
      tokens,
      status,
    }),
  );

  test('openai: each tool_calls message is followed by exactly its results, and the budget holds', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 25 }),
        fc.option(fc.nat(200), { nil: undefined }),
        (raw, maxTokens) => {
          // Each event's content is its own id, so every message can be traced back to the event it came from.
          const events = transcript(...raw).map((e) => ({ ...e, content: e.id }));
          const messages = buildMessages(events, null, { ...openai, maxTokens });
          for (let i = 0; i < messages.length; i++) {
            expect(messages[i]!.role).not.toBe('tool');
            const calls = (messages[i]!.tool_calls ?? []) as JsonObject[];
            const answers = messages.slice(i + 1, i + 1 + calls.length).map((m) => m.tool_call_id);
            // Results keep their seq order, which may differ from the order of the calls.
            expect(answers.toSorted()).toEqual(calls.map((c) => c.id).toSorted());
            i += calls.length;
          }
          const sent = new Set(messages.map((m) => m.content));
          const spent = events.filter((e) => sent.has(e.id)).reduce((sum, e) => sum + e.tokens, 0);
          const onlySystem = messages.every((m) => m.role === 'system');
          if (maxTokens !== undefined && !onlySystem) expect(spent).toBeLessThanOrEqual(maxTokens);
          // Without a budget, nothing sendable is lost: every complete system or user event is there.
          const plain = events.filter(
            (e) => e.status === 'complete' && (e.role === 'system' || e.role === 'user'),
          );
          if (maxTokens === undefined) for (const e of plain) expect(sent.has(e.id)).toBe(true);
        },
      ),
    );
  });

  test('anthropic: roles alternate after the system text, and tool_use is answered first thing next', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 25 }), (raw) => {
        const events = transcript(...raw).map((e) => ({ ...e, content: e.id }));
        const messages = buildMessages(events, null, anthropic);
        const firstOther = messages.findIndex((m) => m.role !== 'system');
        const rest = firstOther === -1 ? [] : messages.slice(firstOther);
        expect(rest.filter((m) => m.role === 'system')).toEqual([]);
        for (const [i, m] of rest.entries()) {
          if (i > 0) expect(m.role).not.toBe(rest[i - 1]!.role);
          const blocks = (Array.isArray(m.content) ? m.content : []) as JsonObject[];
          const after = rest[i + 1]?.content;
          const uses = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
          const next = (Array.isArray(after) ? after : []) as JsonObject[];
          const answers = next.slice(0, uses.length).map((b) => b.type === 'tool_result' && b.tool_use_id);
          expect(answers.toSorted()).toEqual(uses.toSorted());
        }
      }),
    );
  });
});

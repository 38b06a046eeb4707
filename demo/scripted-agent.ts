/**
 * Runs the scripted agent's plans against the store, the way a real agent loop would: read the
 * conversation with `events.messages`, append a tool call, run the tool, store its output as an
 * artifact with a tool-result event, then stream the answer into a `'partial'` event with
 * `patch` and complete it. The UI never hears from the agent directly, only through `subscribe`,
 * so another tab sees exactly what this one sees.
 */
import type { JsonObject, Store, StoredEvent } from '../src/index.js';
import { countTokens, planReply, streamTokens, type ToolStep } from './agent-script.js';

/** Pace of the fake model: fast enough to feel snappy, slow enough to watch the stream. */
const TOKEN_MS = 16;
/** Tokens per `patch`: each patch is a committed write, so batching a few keeps the worker calm. */
const TOKENS_PER_PATCH = 3;
const TOOL_MS = 350;

const MODEL = 'scripted-1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ScriptedAgent {
  readonly #busy = new Set<string>();
  #generation = 0;

  constructor(
    private readonly store: () => Store,
    private readonly onBusyChange: (sessionId: string) => void,
  ) {}

  isBusy(sessionId: string): boolean {
    return this.#busy.has(sessionId);
  }

  /** Abandons every reply in progress, before the store is deleted or replaced. */
  stopAll(): void {
    this.#generation++;
    this.#busy.clear();
  }

  /** Answers `question`, the user message just appended to `sessionId`. */
  async reply(sessionId: string, question: StoredEvent): Promise<void> {
    const generation = this.#generation;
    const live = () => generation === this.#generation;
    this.#busy.add(sessionId);
    this.onBusyChange(sessionId);
    try {
      const store = this.store();
      // What a real agent would send to its model: the stored transcript as a message list.
      const context = await store.events.messages(sessionId);
      const turn = context.filter((m) => m.role === 'user').length;
      const prompt =
        typeof question.content === 'string' ? question.content : JSON.stringify(question.content);
      const plan = planReply(prompt, turn);
      const metadata: JsonObject = { model: MODEL, contextMessages: context.length };
      let parentId = question.id;
      if (plan.tool) parentId = await this.#callTool(store, sessionId, parentId, plan.tool, metadata);
      if (!live()) return;
      await this.#stream(store, sessionId, parentId, plan.reply, metadata, live);
    } finally {
      if (live()) {
        this.#busy.delete(sessionId);
        this.onBusyChange(sessionId);
      }
    }
  }

  async #callTool(
    store: Store,
    sessionId: string,
    parentId: string,
    tool: ToolStep,
    metadata: JsonObject,
  ): Promise<string> {
    const callId = `call_${crypto.randomUUID().slice(0, 8)}`;
    const [call] = await store.events.append(sessionId, {
      role: 'assistant',
      content: tool.preamble,
      toolCalls: [{ id: callId, name: tool.name, arguments: tool.arguments }],
      parentId,
      tokens: countTokens(tool.preamble),
      metadata,
    });
    await sleep(TOOL_MS);
    // The artifact is stored first so the result event can name it; its eventId points ahead.
    const resultId = crypto.randomUUID();
    const ref = await store.artifacts.put({
      data: tool.output.data,
      mime: tool.output.mime,
      name: tool.output.name,
      sessionId,
      eventId: resultId,
      metadata: tool.output.metadata,
    });
    await store.events.append(sessionId, {
      id: resultId,
      kind: 'tool_result',
      role: 'tool',
      toolCallId: callId,
      content: tool.output.summary,
      artifacts: [ref.handle],
      parentId: call!.id,
      tokens: countTokens(tool.output.summary),
      metadata: { tool: tool.name },
    });
    return resultId;
  }

  async #stream(
    store: Store,
    sessionId: string,
    parentId: string,
    text: string,
    metadata: JsonObject,
    live: () => boolean,
  ): Promise<void> {
    const [partial] = await store.events.append(sessionId, {
      role: 'assistant',
      content: '',
      status: 'partial',
      parentId,
      metadata: { ...metadata, streamedAt: Date.now() },
    });
    const tokens = streamTokens(text);
    let written = '';
    for (let i = 0; i < tokens.length; i++) {
      await sleep(TOKEN_MS);
      if (!live()) return;
      written += tokens[i];
      if ((i + 1) % TOKENS_PER_PATCH === 0 && i < tokens.length - 1) {
        // streamedAt lets any tab tell a reply still streaming from one whose writer went away.
        await store.events.patch(partial!.id, {
          content: written,
          metadata: { ...metadata, streamedAt: Date.now() },
        });
      }
    }
    await store.events.patch(partial!.id, {
      content: text,
      status: 'complete',
      tokens: countTokens(text),
      metadata,
    });
  }
}

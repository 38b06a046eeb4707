// A scripted agent that answers from memory: it searches the stored history for what the user just
// said and streams its reply into a 'partial' event, patching it word by word, as a model would.
import type { Store } from '../../src/extension/index.js';
import { CHAT } from './history.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function compose(store: Store, text: string, askedSeq: number): Promise<string> {
  const words = text.match(/[\p{L}\p{N}]{4,}/gu) ?? [];
  for (const word of words) {
    const [earlier] = (await store.search(word, { sessionId: CHAT, limit: 5 })).filter(
      (hit) => hit.event.seq < askedSeq && hit.event.role === 'user',
    );
    if (earlier) return `You mentioned “${word}” before: “${earlier.snippet}”. I keep that in mind.`;
  }
  const count = (await store.sessions.get(CHAT))?.eventCount ?? 0;
  const messages = count === 1 ? 'one message' : `${count} messages`;
  return `Noted: “${text}”. This chat now holds ${messages}, kept across restarts of the browser.`;
}

/** Replies to the user event at `askedSeq`, streaming. */
export async function reply(store: Store, text: string, askedSeq: number): Promise<void> {
  const answer = await compose(store, text, askedSeq);
  const [draft] = await store.events.append(CHAT, { role: 'assistant', content: '', status: 'partial' });
  let shown = '';
  for (const word of answer.split(' ')) {
    shown += (shown ? ' ' : '') + word;
    await store.events.patch(draft!.id, { content: shown });
    await sleep(25);
  }
  await store.events.patch(draft!.id, { status: 'complete', tokens: answer.split(' ').length });
}

// The side panel: the chat, kept in threadkeep. Every committed change — its own, the service
// worker's, another window's — arrives through subscribe() and redraws the transcript.
import { type StoredEvent, ThreadkeepError } from '../../src/extension/index.js';
import { reply } from './agent.js';
import { CHAT, history } from './history.js';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const transcript = byId<HTMLOListElement>('transcript');
const status = byId<HTMLSpanElement>('status');
const input = byId<HTMLTextAreaElement>('input');
const send = byId<HTMLButtonElement>('send');
const search = byId<HTMLInputElement>('search');
const hits = byId<HTMLOListElement>('hits');

function showError(error: unknown) {
  status.textContent = error instanceof ThreadkeepError ? `${error.code}: ${error.message}` : String(error);
  status.classList.add('error');
}

function messageView(event: StoredEvent): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'message';
  li.dataset.role = event.role ?? 'system';
  li.dataset.seq = String(event.seq);
  li.dataset.status = event.status;
  li.textContent = typeof event.content === 'string' ? event.content : JSON.stringify(event.content);
  if (event.metadata.via === 'service-worker') {
    li.classList.add('note');
    const via = document.createElement('span');
    via.className = 'via';
    via.textContent = 'noted by the service worker';
    li.prepend(via);
  }
  return li;
}

async function render() {
  const store = await history();
  const events = await store.events.list(CHAT, { limit: 10_000 });
  if (events.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'empty';
    empty.textContent = 'No messages yet. Ask the agent something.';
    transcript.replaceChildren(empty);
  } else transcript.replaceChildren(...events.map(messageView));
  transcript.scrollTop = transcript.scrollHeight;
}

let rendering = Promise.resolve();
const redraw = () => {
  rendering = rendering.then(render).catch(showError);
};

async function runSearch() {
  const query = search.value.trim();
  if (!query) {
    hits.hidden = true;
    return;
  }
  const found = await (await history()).search(query, { sessionId: CHAT, limit: 20 });
  hits.replaceChildren(
    ...found.map((hit) => {
      const li = document.createElement('li');
      let at = 0;
      for (const [start, end] of hit.highlights) {
        li.append(hit.snippet.slice(at, start));
        const mark = document.createElement('mark');
        mark.textContent = hit.snippet.slice(start, end);
        li.append(mark);
        at = end;
      }
      li.append(hit.snippet.slice(at));
      return li;
    }),
  );
  if (found.length === 0)
    hits.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'No match.' }));
  hits.hidden = false;
}

byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  send.disabled = true;
  (async () => {
    const store = await history();
    const [asked] = await store.events.append(CHAT, { role: 'user', content: text });
    await reply(store, text, asked!.seq);
  })()
    .catch(showError)
    .finally(() => {
      send.disabled = false;
      input.focus();
    });
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    send.click();
  }
});
search.addEventListener('input', () => void runSearch().catch(showError));
byId<HTMLButtonElement>('clear').addEventListener('click', () => {
  void history()
    .then((store) => store.events.truncate(CHAT, { keepLast: 0 }))
    .catch(showError);
});

try {
  const store = await history();
  store.subscribe(redraw, { sessionId: CHAT });
  const info = await store.info();
  status.textContent = `${info.backend} · ${info.role}`;
  status.dataset.ready = 'true';
  redraw();
} catch (error) {
  showError(error);
}

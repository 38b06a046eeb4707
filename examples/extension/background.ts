/// <reference types="chrome" />
// The service worker: opens the side panel from the toolbar button, and sends text selected on any
// page to the agent's chat ("Send to the agent" in the context menu). Its writes go through the
// extension page that holds the store (the side panel, or the offscreen document it creates).
import { CHAT, history } from './history.js';

const MENU_ID = 'send-to-agent';

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU_ID, title: 'Send to the agent', contexts: ['selection'] });
});
chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => {});

/** Appends a note from the service worker to the chat. */
async function note(text: string, source?: string) {
  const store = await history();
  const [event] = await store.events.append(CHAT, {
    role: 'user',
    kind: 'message',
    content: source ? `From ${source}: ${text}` : text,
    metadata: { via: 'service-worker' },
  });
  return event;
}

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === MENU_ID && info.selectionText) void note(info.selectionText, tab?.url);
});

// Pages may ask the service worker to note something (and so wake it).
chrome.runtime.onMessage.addListener((message: { type?: string; text?: string }, _sender, reply) => {
  if (message?.type !== 'note' || typeof message.text !== 'string') return false;
  note(message.text).then(
    (event) => reply({ ok: true, seq: event?.seq }),
    (error: unknown) => reply({ ok: false, error: String(error) }),
  );
  return true;
});

// For the console (and the tests): `await agentHistory.note('hi')`, `await agentHistory.transcript()`.
Object.assign(globalThis, {
  agentHistory: {
    note,
    transcript: async () => (await (await history()).events.list(CHAT)).map((e) => e.content),
    info: async () => (await history()).info(),
  },
});

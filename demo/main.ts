/**
 * The demo page: opens the store (default backend, 'auto'), builds the views and wires every
 * committed change from `subscribe` to them. Errors surface as toasts with their code.
 */
import { deleteStore, openStore, type Store, ThreadkeepError } from '../src/index.js';
import { clearArtifactPreviews } from './artifact-card.js';
import { ArtifactExplorer } from './artifact-explorer.js';
import { ChatView } from './chat-view.js';
import { confirmAction } from './confirm-dialog.js';
import { downloadArtifact } from './download.js';
import { byId, el, ICONS, icon, replaceChildren } from './elements.js';
import { readRoute, routeHref, writeRoute } from './router.js';
import { ScriptedAgent } from './scripted-agent.js';
import { SearchBox } from './search-box.js';
import { Sidebar } from './sidebar.js';
import { StoragePanel } from './storage-panel.js';
import { runAction, showError, showNotice } from './toasts.js';

const STORE_NAME = 'threadkeep-demo';
/** Tells the demo's other tabs that "delete all data" happened, so they reopen an empty store. */
const DEMO_CHANNEL = 'threadkeep-demo';

let store: Store | null = null;
let unsubscribe: (() => void) | null = null;

function currentStore(): Store {
  if (!store)
    throw new ThreadkeepError('CLOSED', `store "${STORE_NAME}" is not open; see the banner at the top`);
  return store;
}

const agent = new ScriptedAgent(currentStore, (sessionId) => chat.onBusyChange(sessionId));
const download = (handle: string) =>
  void runAction('Downloading', () => downloadArtifact(currentStore(), handle));
const explorer = new ArtifactExplorer({ store: currentStore, download });

async function navigate(sessionId: string | null, seq?: number): Promise<void> {
  writeRoute(seq === undefined ? { sessionId } : { sessionId, seq });
  sidebar.setActive(sessionId);
  sidebar.closeIfNarrow();
  await chat.show(sessionId, seq);
}

const chat = new ChatView({
  store: currentStore,
  agent,
  navigate,
  explore: (handle) => void runAction('Opening the artifact', () => explorer.open(handle)),
  download,
});
const sidebar = new Sidebar({ store: currentStore, navigate, href: (id) => routeHref(id) });
const search = new SearchBox({ store: currentStore, open: navigate });
const storage = new StoragePanel({ store: currentStore, deleteAll, openSession: (id) => navigate(id) });

function showBanner(kind: 'error' | 'info', ...content: (string | HTMLElement)[]): void {
  const banner = byId('banner');
  banner.className = `banner banner--${kind}`;
  banner.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  replaceChildren(
    banner,
    el('div', { class: 'banner-text' }, content),
    el(
      'button',
      {
        type: 'button',
        class: 'icon-button',
        'aria-label': 'Dismiss',
        onclick: () => (banner.hidden = true),
      },
      icon(ICONS.close),
    ),
  );
  banner.hidden = false;
}

async function connect(): Promise<void> {
  try {
    store = await openStore({ name: STORE_NAME });
  } catch (error) {
    const code = error instanceof ThreadkeepError ? error.code : 'ERROR';
    const message = error instanceof Error ? error.message : String(error);
    storage.showUnavailable(code);
    showBanner(
      'error',
      el('strong', {}, `Could not open the store · ${code}`),
      el('span', {}, message),
      el(
        'button',
        {
          type: 'button',
          class: 'button button--small',
          onclick: () => void runAction('Opening the store', connect),
        },
        'Try again',
      ),
    );
    return;
  }
  byId('banner').hidden = true;
  unsubscribe = store.subscribe((change) => {
    sidebar.onChange(change);
    chat.onChange(change);
    storage.onChange();
  });
  const info = await store.info();
  if (info.fallbackReason) {
    showBanner(
      'info',
      el('strong', {}, `Stored in ${info.backend}, not OPFS`),
      el('span', {}, info.fallbackReason),
    );
  }
  await Promise.all([sidebar.refresh(), storage.refresh()]);
  const route = readRoute();
  await navigate(route.sessionId, route.seq);
}

/** Closes and forgets the store and everything cached from it. */
async function disconnect(): Promise<void> {
  agent.stopAll();
  unsubscribe?.();
  unsubscribe = null;
  const old = store;
  store = null;
  clearArtifactPreviews();
  search.reset();
  await old?.close();
}

async function deleteAll(): Promise<void> {
  const ok = await confirmAction({
    title: 'Delete all data?',
    message:
      'Every chat, event and artifact of this demo is removed from this browser, in all its tabs. Export first if you want to keep them.',
    confirmLabel: 'Delete everything',
  });
  if (!ok) return;
  await disconnect();
  await deleteStore(STORE_NAME);
  channel.postMessage({ type: 'deleted' });
  writeRoute({ sessionId: null });
  await connect();
  showNotice('All data deleted', 'The store is empty and ready again.');
}

const channel = new BroadcastChannel(DEMO_CHANNEL);
channel.onmessage = (event: MessageEvent<{ type?: string }>) => {
  if (event.data?.type !== 'deleted') return;
  void runAction('Reopening the store', async () => {
    await disconnect();
    writeRoute({ sessionId: null });
    await connect();
    showNotice('All data was deleted in another tab');
  });
};

window.addEventListener('popstate', () => {
  const route = readRoute();
  sidebar.setActive(route.sessionId);
  void runAction('Opening the chat', () => chat.show(route.sessionId, route.seq));
});
window.addEventListener('unhandledrejection', (event) => showError(event.reason, 'Something'));

byId('new-chat').addEventListener('click', () => {
  void navigate(null).then(() => chat.focusComposer());
});

// For people who want to try the API in the console: `await threadkeepDemo.store.search('deploy')`.
Object.defineProperty(globalThis, 'threadkeepDemo', {
  value: {
    get store() {
      return store;
    },
    openStore,
    deleteStore,
    ThreadkeepError,
  },
});

await runAction('Opening the store', connect);
document.documentElement.dataset.ready = 'true';

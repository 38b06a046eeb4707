/**
 * The main column: the open chat's header, its transcript, and the composer that appends the
 * user's message and starts the scripted agent. "Edit and regenerate" forks the chat just before
 * the edited message (`sessions.fork`), so the original conversation stays as it was.
 */
import type { Change, Session, Store, StoredEvent } from '../src/index.js';
import { SUGGESTIONS } from './agent-script.js';
import { byId, el, ICONS, icon, replaceChildren } from './elements.js';
import { contentText, eventView } from './event-view.js';
import { countOf, formatAge } from './format.js';
import type { ScriptedAgent } from './scripted-agent.js';
import { runAction, runInBackground, showNotice } from './toasts.js';
import { Transcript } from './transcript.js';

export interface ChatViewHooks {
  store(): Store;
  agent: ScriptedAgent;
  /** Opens a session and records it in the address bar, so a reload comes back to it. */
  navigate(sessionId: string | null, seq?: number): Promise<void>;
  explore(handle: string): void;
  download(handle: string): void;
}

const TITLE_LENGTH = 60;

function titleFrom(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line;
}

export class ChatView {
  readonly #hooks: ChatViewHooks;
  readonly #transcript: Transcript;
  readonly #input = byId<HTMLTextAreaElement>('composer-input');
  readonly #send = byId<HTMLButtonElement>('composer-send');
  readonly #title = byId('chat-title');
  readonly #meta = byId('chat-meta');
  readonly #welcome = byId('welcome');
  readonly #transcriptElement = byId('transcript');
  readonly #editBar = byId('composer-edit');
  #sessionId: string | null = null;
  #editing: StoredEvent | null = null;
  #headerTimer = 0;
  /** Bumped by every show: two jumps in one chat pass the session check, yet only the last counts. */
  #showing = 0;

  constructor(hooks: ChatViewHooks) {
    this.#hooks = hooks;
    this.#transcript = new Transcript(this.#transcriptElement, {
      store: hooks.store,
      render: (event) =>
        eventView(event, {
          store: hooks.store,
          explore: hooks.explore,
          download: hooks.download,
          edit: (e) => this.#startEdit(e),
        }),
    });
    byId('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      void runAction('Sending the message', () => this.#submit());
    });
    this.#input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        byId<HTMLFormElement>('composer').requestSubmit();
      } else if (event.key === 'Escape' && this.#editing) {
        this.#cancelEdit();
      }
    });
    this.#input.addEventListener('input', () => this.#autosize());
    byId('composer-edit-cancel').addEventListener('click', () => this.#cancelEdit());
    replaceChildren(
      byId('suggestions'),
      SUGGESTIONS.map((text) =>
        el(
          'button',
          {
            type: 'button',
            class: 'suggestion',
            onclick: () => {
              this.#input.value = text;
              void runAction('Sending the message', () => this.#submit());
            },
          },
          text,
        ),
      ),
    );
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  /** Opens a session (at a message, for search hits), or the empty new-chat page for `null`. */
  async show(sessionId: string | null, atSeq?: number): Promise<void> {
    if (sessionId !== this.#sessionId) this.#cancelEdit();
    this.#sessionId = sessionId;
    const showing = ++this.#showing;
    this.#updateBusy();
    if (sessionId === null) {
      this.#renderHeader(null);
      void this.#transcript.open(null);
      return;
    }
    const session = await this.#hooks.store().sessions.get(sessionId);
    if (showing !== this.#showing) return;
    if (!session) {
      showNotice('That chat no longer exists', 'It was deleted here or in another tab.');
      void this.#hooks.navigate(null);
      return;
    }
    this.#renderHeader(session);
    await this.#transcript.open(sessionId, atSeq);
  }

  onChange(change: Change): void {
    if (change.sessionId !== this.#sessionId || this.#sessionId === null) return;
    if (change.kind === 'session' && change.op === 'delete') {
      showNotice('This chat was deleted', 'It was removed here or in another tab.');
      void this.#hooks.navigate(null);
      return;
    }
    this.#transcript.onChange(change);
    // Counts and "updated" change with every event: a few reads a second are plenty for a header.
    if (this.#headerTimer) return;
    this.#headerTimer = window.setTimeout(() => {
      this.#headerTimer = 0;
      const id = this.#sessionId;
      if (!id) return;
      void runInBackground('Reading the chat', async () => {
        const session = await this.#hooks.store().sessions.get(id);
        if (session && id === this.#sessionId) this.#renderHeader(session);
      });
    }, 150);
  }

  /** Re-reads everything on screen, after the store was replaced (delete all, import). */
  reload(): void {
    void this.show(this.#sessionId);
  }

  onBusyChange(sessionId: string): void {
    if (sessionId !== this.#sessionId) return;
    this.#updateBusy();
    if (!this.#hooks.agent.isBusy(sessionId)) byId('announcer').textContent = 'The agent finished its reply.';
  }

  focusComposer(): void {
    this.#input.focus();
  }

  #updateBusy(): void {
    const busy = this.#sessionId !== null && this.#hooks.agent.isBusy(this.#sessionId);
    this.#send.disabled = busy;
    this.#send.setAttribute('aria-label', busy ? 'The agent is replying' : 'Send message');
  }

  #renderHeader(session: Session | null): void {
    const empty = session === null;
    this.#welcome.hidden = !empty;
    this.#transcriptElement.hidden = empty;
    if (!session) {
      this.#title.textContent = 'New chat';
      replaceChildren(this.#meta, 'Nothing is stored until you send a message.');
      return;
    }
    this.#title.textContent = session.title ?? 'Untitled chat';
    const forked = session.metadata.forkedFrom;
    const source =
      forked && typeof forked === 'object' && !Array.isArray(forked) && typeof forked.sessionId === 'string'
        ? { id: forked.sessionId, seq: Number(forked.seq) }
        : null;
    replaceChildren(
      this.#meta,
      `${countOf(session.eventCount, 'event')} · ${countOf(session.tokenCount, 'token')} · updated ${formatAge(session.updatedAt)}`,
      source && [
        ' · ',
        el(
          'button',
          {
            type: 'button',
            class: 'link-button',
            // The fork ends just before the edited message: open the original at that message.
            onclick: () => void this.#hooks.navigate(source.id, source.seq + 1),
          },
          icon(ICONS.branch),
          `forked from the original before message #${source.seq + 1}`,
        ),
      ],
    );
  }

  #autosize(): void {
    this.#input.style.height = 'auto';
    this.#input.style.height = `${Math.min(this.#input.scrollHeight, 200)}px`;
  }

  #startEdit(event: StoredEvent): void {
    this.#editing = event;
    this.#editBar.hidden = false;
    byId('composer-edit-text').textContent =
      `Editing message #${event.seq}. Sending starts a new chat forked before it; this one stays as it is.`;
    this.#input.value = contentText(event.content);
    this.#autosize();
    this.#input.focus();
  }

  #cancelEdit(): void {
    if (!this.#editing) return;
    this.#editing = null;
    this.#editBar.hidden = true;
    this.#input.value = '';
    this.#autosize();
  }

  async #submit(): Promise<void> {
    const text = this.#input.value.trim();
    if (text === '') return;
    if (this.#sessionId && this.#hooks.agent.isBusy(this.#sessionId)) return;
    const store = this.#hooks.store();
    let sessionId = this.#sessionId;
    const editing = this.#editing;
    if (editing) {
      const source = await store.sessions.get(editing.sessionId);
      const fork = await store.sessions.fork(editing.sessionId, {
        throughSeq: editing.seq - 1,
        title: `${source?.title ?? 'Chat'} (edited)`,
      });
      sessionId = fork.id;
    } else if (sessionId === null) {
      sessionId = (await store.sessions.create({ title: titleFrom(text) })).id;
    }
    this.#cancelEdit();
    this.#input.value = '';
    this.#autosize();
    if (sessionId !== this.#sessionId) await this.#hooks.navigate(sessionId);
    const [question] = await store.events.append(sessionId, {
      role: 'user',
      content: text,
      tokens: Math.ceil(text.length / 4),
      requestId: crypto.randomUUID(),
    });
    this.#transcript.scrollToBottom();
    await this.#hooks.agent.reply(sessionId, question!);
  }
}

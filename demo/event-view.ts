/**
 * One stored event as a chat message. Content is shown as text (a `code` span for backticks is
 * the only formatting), so whatever a model or a user wrote can never become markup.
 */
import type { JsonValue, StoredEvent } from '../src/index.js';
import { type ArtifactCardHooks, artifactCard } from './artifact-card.js';
import { type Child, el, ICONS, icon } from './elements.js';
import { formatClock } from './format.js';

export interface EventViewHooks extends ArtifactCardHooks {
  /** "Edit and regenerate" from a user message. */
  edit(event: StoredEvent): void;
}

/** A partial reply whose writer has been silent this long has lost its tab. */
const STALE_STREAM_MS = 15_000;

/** The text of a string, or of the text parts in structured content; JSON for anything else. */
export function contentText(content: JsonValue | null): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const texts = content.map((part) =>
      part && typeof part === 'object' && !Array.isArray(part) && typeof part.text === 'string'
        ? part.text
        : '',
    );
    if (texts.some((t) => t !== '')) return texts.join('\n');
  }
  return JSON.stringify(content, null, 2);
}

/** Text with `backtick` spans as code elements. */
function inlineText(text: string): Child[] {
  return text
    .split(/(`[^`\n]+`)/)
    .map((part) =>
      part.length > 2 && part.startsWith('`') && part.endsWith('`')
        ? el('code', {}, part.slice(1, -1))
        : part,
    );
}

/** Who wrote an event, as the chat labels it. */
export function speaker(event: StoredEvent): string {
  if (event.kind === 'tool_result') return 'Tool result';
  switch (event.role) {
    case 'user':
      return 'You';
    case 'assistant':
      return 'Agent';
    case 'tool':
      return 'Tool';
    case 'system':
      return 'System';
    default:
      return event.kind;
  }
}

function streamState(event: StoredEvent): Child {
  if (event.status !== 'partial') return null;
  const streamedAt = event.metadata.streamedAt;
  const stale = typeof streamedAt === 'number' && Date.now() - streamedAt > STALE_STREAM_MS;
  return stale
    ? el('span', { class: 'msg-state msg-state--stale' }, 'interrupted: the tab writing this reply went away')
    : el('span', { class: 'msg-state' }, el('span', { class: 'caret', 'aria-hidden': 'true' }), 'writing…');
}

export function eventView(event: StoredEvent, hooks: EventViewHooks): HTMLElement {
  const role = event.kind === 'tool_result' ? 'tool' : (event.role ?? 'system');
  const headingId = `msg-${event.id}`;
  const text = contentText(event.content);
  return el(
    'article',
    {
      class: `msg msg--${role}`,
      'data-seq': event.seq,
      'data-id': event.id,
      'data-status': event.status,
      tabindex: -1,
      'aria-labelledby': headingId,
      'aria-posinset': event.seq,
      'aria-setsize': -1,
      'aria-busy': event.status === 'partial' ? 'true' : null,
    },
    el(
      'div',
      { class: 'msg-bubble' },
      el(
        'header',
        { class: 'msg-head' },
        el('span', { class: 'msg-who', id: headingId }, speaker(event)),
        el(
          'time',
          { class: 'msg-time', datetime: new Date(event.createdAt).toISOString() },
          formatClock(event.createdAt),
        ),
        el('span', { class: 'msg-seq', 'aria-label': `message ${event.seq}` }, `#${event.seq}`),
      ),
      event.role === 'user'
        ? el(
            'div',
            { class: 'msg-user-row' },
            el(
              'button',
              {
                type: 'button',
                class: 'icon-button msg-edit',
                onclick: () => hooks.edit(event),
                title: 'Edit and regenerate',
                'aria-label': `Edit message ${event.seq} and regenerate the reply`,
              },
              icon(ICONS.pencil),
            ),
            el('div', { class: 'msg-text' }, inlineText(text)),
          )
        : text !== '' && el('div', { class: 'msg-text' }, inlineText(text)),
      event.toolCalls.map((call) =>
        el(
          'div',
          { class: 'tool-call' },
          el('span', { class: 'tool-call-label' }, 'Called'),
          el('code', { class: 'tool-call-name' }, call.name),
          el('code', { class: 'tool-call-args' }, JSON.stringify(call.arguments)),
        ),
      ),
      event.artifacts.map((handle) => artifactCard(handle, hooks)),
      streamState(event),
    ),
  );
}

/** A height guess by text length, before the browser has measured the message. */
export function estimateEventHeight(event: StoredEvent): number {
  const text = typeof event.content === 'string' ? event.content.length : 200;
  return 52 + Math.ceil(text / 80) * 24 + event.artifacts.length * 220;
}

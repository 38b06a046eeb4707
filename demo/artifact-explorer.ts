/**
 * A dialog to read parts of an artifact with `drilldown`: rows of a table, chosen keys of a JSON
 * document, first lines or a line range of text. It shows the call it made and how few bytes
 * came back, which is the point: a 100 MB tool output is never loaded to show twenty rows.
 */
import type { ArtifactRef, Selector, Store } from '../src/index.js';
import { kindLabel } from './artifact-card.js';
import { delimitedTable, delimiterOf } from './delimited-table.js';
import { byId, type Child, el, ICONS, icon, replaceChildren } from './elements.js';
import { formatBytes, formatCount } from './format.js';
import { runAction } from './toasts.js';

export interface ArtifactExplorerHooks {
  store(): Store;
  download(handle: string): void;
}

const PAGE_ROWS = 20;
/** Most rows or lines one request may ask for: the DOM, not threadkeep, is the limit here. */
const MAX_SPAN = 2000;

function numberField(label: string, name: string, value: number): HTMLLabelElement {
  return el(
    'label',
    { class: 'field' },
    el('span', {}, label),
    el('input', { type: 'number', name, min: 1, step: 1, value, inputmode: 'numeric', required: true }),
  );
}

function readNumber(form: HTMLFormElement, name: string): number {
  return Number((form.elements.namedItem(name) as HTMLInputElement).value);
}

export class ArtifactExplorer {
  readonly #hooks: ArtifactExplorerHooks;
  readonly #dialog = byId<HTMLDialogElement>('artifact-dialog');
  #ref: ArtifactRef | null = null;
  #output = el('div', { class: 'drill-output', 'aria-live': 'polite' });
  #call = el('p', { class: 'drill-call' });
  /** Only the newest open and the newest drilldown show: "Next 20" twice shows the second range. */
  #opening = 0;
  #drilling = 0;

  constructor(hooks: ArtifactExplorerHooks) {
    this.#hooks = hooks;
  }

  async open(handle: string): Promise<void> {
    const opening = ++this.#opening;
    const ref = await this.#hooks.store().artifacts.ref(handle);
    if (opening !== this.#opening) return;
    if (!ref) throw new Error(`artifact "${handle}" is no longer stored`);
    this.#ref = ref;
    this.#output = el('div', { class: 'drill-output', 'aria-live': 'polite' });
    this.#call = el('p', { class: 'drill-call' });
    const name = ref.name ?? ref.handle;
    const extra = typeof ref.metadata.rows === 'number' ? ` · ${formatCount(ref.metadata.rows)} rows` : '';
    replaceChildren(
      this.#dialog,
      el(
        'div',
        { class: 'sheet-head' },
        el(
          'div',
          {},
          el('h2', { id: 'artifact-title' }, name),
          el(
            'p',
            { class: 'sheet-sub' },
            `${kindLabel(ref)} · ${ref.mime} · ${formatBytes(ref.size)}${extra} · sha256 ${ref.sha256.slice(0, 12)}…`,
          ),
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'icon-button',
            'aria-label': 'Close',
            onclick: () => this.#dialog.close(),
          },
          icon(ICONS.close),
        ),
      ),
      this.#controls(ref),
      this.#call,
      this.#output,
      el(
        'div',
        { class: 'dialog-actions' },
        el(
          'button',
          { type: 'button', class: 'button', onclick: () => this.#hooks.download(ref.handle) },
          icon(ICONS.download),
          `Download all of ${name} (${formatBytes(ref.size)})`,
        ),
      ),
    );
    if (!this.#dialog.open) this.#dialog.showModal();
    this.#dialog.querySelector<HTMLFormElement>('form.drill-form')?.requestSubmit();
  }

  #controls(ref: ArtifactRef): HTMLFormElement {
    const delimiter = delimiterOf(ref.mime, ref.name);
    if (delimiter) return this.#rowsForm(ref, delimiter);
    if (/json/i.test(ref.mime)) return this.#keysForm(ref);
    return this.#linesForm();
  }

  #form(
    label: string,
    fields: Child[],
    selector: (form: HTMLFormElement) => Selector | string,
  ): HTMLFormElement {
    const form = el(
      'form',
      { class: 'drill-form', 'aria-label': label },
      fields,
      el('button', { type: 'submit', class: 'button button--primary' }, label),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = selector(form);
      if (typeof chosen === 'string') {
        replaceChildren(this.#output, el('p', { class: 'field-error', role: 'alert' }, chosen));
        return;
      }
      void runAction('Reading the artifact', () => this.#drill(chosen));
    });
    return form;
  }

  /** Table rows, counted from 1 on screen; the selector is 0-based with an exclusive end. */
  #rowsForm(ref: ArtifactRef, delimiter: ',' | '\t'): HTMLFormElement {
    this.#render = (text, selector) => {
      const [start] = (selector as { rows: [number, number] }).rows;
      const name = ref.name ?? ref.handle;
      return el(
        'div',
        { class: 'table-scroll' },
        delimitedTable(text, delimiter, start + 1, `Rows of ${name}`),
      );
    };
    const form = this.#form(
      'Show rows',
      [numberField('From row', 'from', 1), numberField('To row', 'to', PAGE_ROWS)],
      (f) => {
        const from = readNumber(f, 'from');
        const to = readNumber(f, 'to');
        if (!(from >= 1 && to >= from)) return 'Choose a first row of 1 or more and a last row after it.';
        if (to - from + 1 > MAX_SPAN) return `Choose at most ${formatCount(MAX_SPAN)} rows at a time.`;
        return { rows: [from - 1, to] };
      },
    );
    const page = (step: number) => {
      const from = Math.max(1, readNumber(form, 'from') + step * PAGE_ROWS);
      (form.elements.namedItem('from') as HTMLInputElement).value = String(from);
      (form.elements.namedItem('to') as HTMLInputElement).value = String(from + PAGE_ROWS - 1);
      form.requestSubmit();
    };
    form.append(
      el('button', { type: 'button', class: 'button', onclick: () => page(-1) }, `Previous ${PAGE_ROWS}`),
      el('button', { type: 'button', class: 'button', onclick: () => page(1) }, `Next ${PAGE_ROWS}`),
    );
    return form;
  }

  #keysForm(ref: ArtifactRef): HTMLFormElement {
    this.#render = (text) => el('pre', { class: 'artifact-lines artifact-lines--tall' }, prettyJson(text));
    const known = Array.isArray(ref.metadata.keys)
      ? ref.metadata.keys.filter((k) => typeof k === 'string')
      : [];
    const input = el('input', {
      type: 'text',
      name: 'keys',
      value: known.slice(0, 3).join(', ') || 'name',
      spellcheck: 'false',
      'aria-describedby': 'keys-help',
    });
    const form = this.#form(
      'Show keys',
      [
        el('label', { class: 'field field--wide' }, el('span', {}, 'Keys'), input),
        el(
          'p',
          { class: 'field-help', id: 'keys-help' },
          'Comma-separated; a dot reaches inside, as in limits.maxTokens.',
        ),
        known.length > 0 &&
          el(
            'div',
            { class: 'chips', role: 'group', 'aria-label': 'Top-level keys' },
            known.map((key) =>
              el(
                'button',
                {
                  type: 'button',
                  class: 'chip',
                  onclick: () => {
                    input.value = key;
                    form.requestSubmit();
                  },
                },
                key,
              ),
            ),
          ),
      ],
      (f) => {
        const keys = (f.elements.namedItem('keys') as HTMLInputElement).value
          .split(',')
          .map((k) => k.trim())
          .filter((k) => k !== '');
        return keys.length === 0 ? 'Name at least one key.' : { jsonKeys: keys };
      },
    );
    return form;
  }

  #linesForm(): HTMLFormElement {
    this.#render = (text, selector) => {
      const start = 'lines' in selector ? selector.lines[0] : 0;
      return el(
        'ol',
        { class: 'line-list', start: start + 1 },
        text.split('\n').map((line) => el('li', {}, line)),
      );
    };
    return this.#form(
      'Show lines',
      [numberField('From line', 'from', 1), numberField('To line', 'to', 40)],
      (f) => {
        const from = readNumber(f, 'from');
        const to = readNumber(f, 'to');
        if (!(from >= 1 && to >= from)) return 'Choose a first line of 1 or more and a last line after it.';
        if (to - from + 1 > MAX_SPAN) return `Choose at most ${formatCount(MAX_SPAN)} lines at a time.`;
        // From the top, `head` says it best; further in, a line range.
        return from === 1 ? { head: to } : { lines: [from - 1, to] };
      },
    );
  }

  #render: (text: string, selector: Selector) => HTMLElement = (text) => el('pre', {}, text);

  async #drill(selector: Selector): Promise<void> {
    const ref = this.#ref;
    if (!ref) return;
    const drilling = ++this.#drilling;
    const text = await this.#hooks.store().artifacts.drilldown(ref.handle, selector);
    if (ref !== this.#ref || drilling !== this.#drilling) return;
    const bytes = new TextEncoder().encode(text).length;
    replaceChildren(
      this.#call,
      el('code', {}, `artifacts.drilldown(handle, ${JSON.stringify(selector)})`),
      ` returned ${formatBytes(bytes)} of ${formatBytes(ref.size)}`,
    );
    replaceChildren(
      this.#output,
      text === '' ? el('p', {}, 'Nothing there: the range is past the end.') : this.#render(text, selector),
    );
  }
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

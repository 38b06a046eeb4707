/**
 * Export and import: the JSONL export (every chat, event and artifact, one JSON object a line),
 * the raw SQLite file, and import of a JSONL file with its report.
 */
import type { ImportReport, Store } from '../src/index.js';
import { downloadBlob } from './download.js';
import { el, ICONS, icon, replaceChildren } from './elements.js';
import { formatBytes, formatCount } from './format.js';
import { runAction, showNotice } from './toasts.js';

export interface TransferSectionHooks {
  store(): Store;
  imported(): Promise<void>;
}

function stamp(): string {
  return new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
}

async function exportJsonl(store: Store): Promise<void> {
  const blob = await store.exportJSONL();
  downloadBlob(blob, `threadkeep-${store.name}-${stamp()}.jsonl`);
  showNotice('Export ready', `${formatBytes(blob.size)} of JSONL is downloading.`);
}

async function exportSqlite(store: Store): Promise<void> {
  const bytes = await store.exportDatabase();
  downloadBlob(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.sqlite3' }),
    `threadkeep-${store.name}-${stamp()}.sqlite3`,
  );
  showNotice('Database file ready', `A ${formatBytes(bytes.byteLength)} SQLite file is downloading.`);
}

/** The report as a person reads it: what came in, what was already there, which lines failed. */
function importReportView(report: ImportReport, fileName: string): HTMLElement {
  const errors = report.errors;
  const facts: [string, number][] = [
    ['Chats', report.sessions],
    ['Events', report.events],
    ['Artifacts', report.artifacts],
    ['Skipped (already here)', report.skipped],
    ['Errors', errors.length],
  ];
  return el(
    'div',
    { class: 'import-report', role: 'status' },
    el('p', {}, el('strong', {}, `Imported ${fileName}`)),
    el(
      'dl',
      { class: 'facts facts--inline' },
      facts.map(([label, value]) => el('div', {}, el('dt', {}, label), el('dd', {}, formatCount(value)))),
    ),
    errors.length > 0 &&
      el(
        'ul',
        { class: 'import-errors' },
        errors.slice(0, 20).map((message) => el('li', {}, message)),
        errors.length > 20 && el('li', {}, `…and ${formatCount(errors.length - 20)} more`),
      ),
  );
}

/** A label styled as a button opens its file picker on Enter or Space, like a button would. */
function pressLabel(event: KeyboardEvent): void {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  event.preventDefault();
  (event.currentTarget as HTMLLabelElement).control?.click();
}

export function transferSection(hooks: TransferSectionHooks): HTMLElement {
  const status = el('div', { class: 'import-status' });
  const importFile = async (file: File) => {
    replaceChildren(status, el('p', { role: 'status' }, `Importing ${file.name}…`));
    const report = await hooks.store().importJSONL(file);
    replaceChildren(status, importReportView(report, file.name));
    status.scrollIntoView({ block: 'nearest' });
    await hooks.imported();
  };
  const fileInput = el('input', {
    type: 'file',
    id: 'import-file',
    accept: '.jsonl,.ndjson,application/x-ndjson,application/jsonl,application/json',
    class: 'visually-hidden',
    tabindex: -1,
    onchange: (event: Event) => {
      const input = event.target as HTMLInputElement;
      const file = input.files?.[0];
      input.value = '';
      if (file) void runAction('Importing', () => importFile(file));
    },
  });
  return el(
    'section',
    { 'aria-labelledby': 'transfer-title' },
    el('h3', { id: 'transfer-title' }, 'Export and import'),
    el(
      'div',
      { class: 'button-row' },
      el(
        'button',
        {
          type: 'button',
          class: 'button',
          onclick: () => void runAction('Exporting', () => exportJsonl(hooks.store())),
        },
        icon(ICONS.download),
        'Export JSONL',
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'button',
          onclick: () => void runAction('Exporting the database', () => exportSqlite(hooks.store())),
        },
        icon(ICONS.download),
        'Export SQLite file',
      ),
      fileInput,
      el(
        'label',
        { for: 'import-file', class: 'button', tabindex: 0, onkeydown: pressLabel },
        'Import JSONL…',
      ),
    ),
    status,
  );
}

/**
 * Turns the CSV/TSV text that `drilldown({ rows })` returns (a header line, then the rows asked
 * for) into a table. Quoted fields follow RFC 4180; every cell goes into the DOM as text.
 */
import { el } from './elements.js';

export function parseDelimited(text: string, delimiter: ',' | '\t'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A table whose first column numbers the data rows from `firstRow` (1-based, as people count). */
export function delimitedTable(
  text: string,
  delimiter: ',' | '\t',
  firstRow: number,
  caption: string,
): HTMLTableElement {
  const [header = [], ...rows] = parseDelimited(text, delimiter);
  // Numbers line up on the right, as in a spreadsheet; a column is numeric when all its cells are.
  const numeric = header.map(
    (_, column) => rows.length > 0 && rows.every((cells) => NUMBER.test(cells[column] ?? '')),
  );
  const align = (column: number) => (numeric[column] ? 'numeric' : null);
  return el(
    'table',
    { class: 'data-table' },
    el('caption', { class: 'visually-hidden' }, caption),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col', class: 'row-number' }, '#'),
        header.map((name, column) => el('th', { scope: 'col', class: align(column) }, name)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((cells, i) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row', class: 'row-number' }, String(firstRow + i)),
          cells.map((cell, column) => el('td', { class: align(column) }, cell)),
        ),
      ),
    ),
  );
}

const NUMBER = /^-?\d+(\.\d+)?$/;

export function delimiterOf(mime: string, name: string | null): ',' | '\t' | null {
  if (/tab-separated|\btsv\b/i.test(mime) || /\.tsv$/i.test(name ?? '')) return '\t';
  if (/\bcsv\b/i.test(mime) || /\.csv$/i.test(name ?? '')) return ',';
  return null;
}

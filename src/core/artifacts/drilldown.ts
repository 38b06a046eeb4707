import { describeValue } from '../errors.js';
import { parseSelector, selectorError } from './parseSelector.js';
import { pickJsonKeys } from './pickJsonKeys.js';
import { csvBoundaries, lineBoundaries, type RecordBoundaries, selectRecords } from './selectRecords.js';

/** An artifact's bytes as the engine stores them: fixed-size chunks read synchronously. */
export interface ChunkSource {
  /** Total bytes. */
  readonly size: number;
  readonly chunkCount: number;
  /** Chunk `index` (0-based); every chunk but the last is full-size. */
  readChunk(index: number): Uint8Array;
}

/** How drilldown reads an artifact's records. */
export type ArtifactFormat = 'csv' | 'tsv' | 'jsonl' | 'text';

const FORMAT_BY_MIME: ReadonlyMap<string, ArtifactFormat> = new Map([
  ['text/csv', 'csv'],
  ['text/tab-separated-values', 'tsv'],
  ['application/jsonl', 'jsonl'],
  ['application/x-ndjson', 'jsonl'],
  ['application/x-jsonlines', 'jsonl'],
]);

const FORMAT_BY_EXTENSION: ReadonlyMap<string, ArtifactFormat> = new Map([
  ['csv', 'csv'],
  ['tsv', 'tsv'],
  ['jsonl', 'jsonl'],
  ['ndjson', 'jsonl'],
]);

/**
 * The format of an artifact from its mime type (parameters such as `;charset=utf-8` ignored,
 * case-insensitive) or else its file name's extension; `'text'` when neither is known. A known
 * mime type wins over the name, since the default `text/plain` says nothing either way.
 */
export function artifactFormat(mime: string, name: string | null): ArtifactFormat {
  const essence = mime.split(';', 1)[0]!.trim().toLowerCase();
  const byMime = FORMAT_BY_MIME.get(essence);
  if (byMime !== undefined) return byMime;
  const dot = name?.lastIndexOf('.') ?? -1;
  const extension = name && dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  return FORMAT_BY_EXTENSION.get(extension) ?? 'text';
}

/**
 * Part of an artifact as text, reading only the chunks up to the end of the selection.
 * `selector` is checked here (it may be anything the caller passed); a bad one throws
 * INVALID_ARGUMENT naming it and `handle`.
 *
 * - `{ head: n }`, `{ lines: [start, end] }`: physical lines (0-based, end exclusive) in every
 *   format, CSV included, joined by '\n'. A '\r' before '\n' is dropped; a final '\n' does not
 *   start an empty line. Ranges past the end are clipped.
 * - `{ rows: [start, end] }`: CSV/TSV give the header record then data rows start..end-1; a CSV
 *   record may span lines inside double quotes. TSV has no quoting (IANA), so its records are
 *   lines. JSONL gives those lines, no header. A 'text' artifact rejects `rows` rather than
 *   guessing; use `lines` there.
 * - `{ jsonKeys: paths }`: the artifact must be one JSON object; returns `JSON.stringify` of it
 *   with only those key paths ('a.b' reaches into nested objects, not arrays; result nested).
 *   Missing paths are left out; a key that itself contains '.' cannot be named.
 *
 * Text is decoded as UTF-8 with invalid bytes replaced (except for jsonKeys, which rejects them).
 */
export function drilldown(
  source: ChunkSource,
  selector: unknown,
  format: ArtifactFormat,
  handle: string,
): string {
  const selection = parseSelector(selector, handle);
  switch (selection.kind) {
    case 'lines':
      return selectRecords(source, lineBoundaries(), [[selection.start, selection.end]]);
    case 'rows': {
      const { start, end } = selection;
      if (format === 'jsonl') return selectRecords(source, lineBoundaries(), [[start, end]]);
      if (format === 'text') {
        throw selectorError(
          selector,
          handle,
          `rows needs a CSV, TSV or JSONL artifact, and ${describeValue(handle)} is plain text (known by its mime type or file name); use lines instead`,
        );
      }
      // Record 0 is the header; data row i is record i + 1.
      return selectRecords(source, recordBoundaries(format), [
        [0, 1],
        [start + 1, end + 1],
      ]);
    }
    case 'jsonKeys':
      return pickJsonKeys(source, selection.paths, handle);
  }
}

function recordBoundaries(format: 'csv' | 'tsv'): RecordBoundaries {
  return format === 'csv' ? csvBoundaries(0x2c) : lineBoundaries();
}

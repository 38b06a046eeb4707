/**
 * JSONL export and import (format in API.md). Export streams row by row into Blob parts, so a
 * 100 MB artifact is never one string; import reads line by line and applies checked records in
 * transactions of a few hundred, each record under its own savepoint so one bad line costs only
 * itself.
 */
import type { Database } from './database.js';
import type { ExclusiveAccess, WriteContext } from './engine.js';
import { describeValue, ThreadkeepError } from './errors.js';
import {
  applyImportItem,
  finishImport,
  type ImportItem,
  type ImportState,
  parseImportLine,
} from './jsonl-import.js';
import {
  ARTIFACT_COLUMNS,
  EVENT_COLUMNS,
  EVENTS_FROM,
  SESSION_COLUMNS,
  toArtifactRef,
  toEvent,
  toSession,
} from './rows.js';
import type { ImportReport } from './types.js';

const EXPORT_SESSIONS = `SELECT ${SESSION_COLUMNS} FROM sessions s ORDER BY s.created_at, s.id`;
const EXPORT_EVENTS = `SELECT ${EVENT_COLUMNS} ${EVENTS_FROM} WHERE e.session_key = ? ORDER BY e.seq`;
const EXPORT_ARTIFACTS = `SELECT ${ARTIFACT_COLUMNS} FROM artifacts a WHERE a.session_id = ? ORDER BY a.created_at, a.handle`;
const EXPORT_LOOSE_ARTIFACTS = `SELECT ${ARTIFACT_COLUMNS} FROM artifacts a
  WHERE a.session_id IS NULL OR a.session_id NOT IN (SELECT id FROM sessions) ORDER BY a.created_at, a.handle`;
const ARTIFACT_CHUNKS = 'SELECT data FROM artifact_chunks WHERE artifact_key = ? ORDER BY n';

const BATCH_ITEMS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;

/** Base64 of a byte stream fed in pieces of any size (chunk sizes need not be multiples of 3). */
class Base64Writer {
  #carry = new Uint8Array(0);
  constructor(private readonly out: string[]) {}

  write(bytes: Uint8Array): void {
    const all = this.#carry.length > 0 ? concat(this.#carry, bytes) : bytes;
    const whole = all.length - (all.length % 3);
    for (let at = 0; at < whole; at += 0x6000) {
      const piece = all.subarray(at, Math.min(at + 0x6000, whole));
      this.out.push(btoa(String.fromCharCode.apply(null, piece as unknown as number[])));
    }
    this.#carry = all.slice(whole);
  }

  end(): void {
    if (this.#carry.length > 0)
      this.out.push(btoa(String.fromCharCode.apply(null, this.#carry as unknown as number[])));
    this.#carry = new Uint8Array(0);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The whole store, or the named sessions, as JSONL text parts. */
export function exportJsonl(db: Database, sessionIds: string[] | undefined): Blob {
  const parts: string[] = [`${JSON.stringify({ type: 'threadkeep', version: 1, exportedAt: Date.now() })}\n`];
  const wanted = sessionIds ? new Set(sessionIds) : undefined;
  const writeArtifacts = (rows: ReturnType<Database['all']>) => {
    for (const row of rows) {
      const ref = toArtifactRef(row);
      const head = JSON.stringify({ type: 'artifact', ...ref, data: '' });
      parts.push(head.slice(0, -2));
      const writer = new Base64Writer(parts);
      for (const chunk of db.column(ARTIFACT_CHUNKS, [row.key as number]) as Uint8Array[])
        writer.write(chunk);
      writer.end();
      parts.push('"}\n');
    }
  };
  for (const row of db.all(EXPORT_SESSIONS)) {
    const session = toSession(row);
    if (wanted && !wanted.has(session.id)) continue;
    parts.push(`${JSON.stringify({ type: 'session', ...session })}\n`);
    for (const e of db.all(EXPORT_EVENTS, [row.key as number])) {
      parts.push(`${JSON.stringify({ type: 'event', ...toEvent(e) })}\n`);
    }
    writeArtifacts(db.all(EXPORT_ARTIFACTS, [session.id]));
  }
  if (!wanted) writeArtifacts(db.all(EXPORT_LOOSE_ARTIFACTS));
  return new Blob(parts, { type: 'application/x-ndjson' });
}

/** Lines of a Blob or string, read as a stream so a large export is never decoded at once. */
async function* lines(source: Blob | string): AsyncGenerator<string> {
  if (typeof source === 'string') {
    yield* source.split('\n');
    return;
  }
  const reader = source.stream().pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const pieces = (rest + value).split('\n');
    rest = pieces.pop()!;
    yield* pieces;
  }
  yield rest;
}

export async function importJsonl(access: ExclusiveAccess, source: Blob | string): Promise<ImportReport> {
  const state: ImportState = {
    report: { sessions: 0, events: 0, artifacts: 0, skipped: 0, errors: [] },
    touchedSessions: new Set(),
    sawHeader: false,
  };
  let batch: ImportItem[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    batchBytes = 0;
    await access.write('importing JSONL', (ctx: WriteContext) => {
      for (const item of items) applyImportItem(ctx, item, state);
    });
  };
  let lineNo = 0;
  for await (const line of lines(source)) {
    lineNo++;
    if (line.trim() === '') continue;
    const item = await parseImportLine(line, lineNo, state);
    if (!item) continue;
    batch.push(item);
    batchBytes += line.length;
    if (batch.length >= BATCH_ITEMS || batchBytes >= BATCH_BYTES) await flush();
  }
  await flush();
  if (!state.sawHeader && lineNo > 0 && state.report.errors.length === 0) {
    state.report.errors.push('line 1: the threadkeep header line is missing');
  }
  if (state.touchedSessions.size > 0)
    await access.write('importing JSONL', (ctx) => finishImport(ctx, state));
  // Lines are checked as they are read and applied in batches: report errors in file order.
  const lineOf = (error: string) => Number(/^line (\d+)/.exec(error)?.[1] ?? 0);
  state.report.errors.sort((a, b) => lineOf(a) - lineOf(b));
  return state.report;
}

export function assertBlobOrString(value: unknown): Blob | string {
  if (typeof value === 'string' || (typeof Blob !== 'undefined' && value instanceof Blob)) return value;
  throw new ThreadkeepError(
    'INVALID_ARGUMENT',
    `importJSONL needs a Blob or a string of JSONL text, got ${describeValue(value)}`,
  );
}

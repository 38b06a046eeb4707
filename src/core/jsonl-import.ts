/** Checking and applying the records of a JSONL import, one line at a time. */
import { type ArtifactRecord, putArtifact, toArtifactRecord } from './artifacts.js';
import type { WriteContext } from './engine.js';
import { describeValue, invalid } from './errors.js';
import { insertEventRow } from './event-rows.js';
import { type EventRecord, toEventRecord } from './inputs.js';
import { encodeText } from './rows.js';
import { findSession } from './sessions.js';
import type { ImportReport, JsonObject } from './types.js';
import { checkCount, checkId, checkJsonObject, checkTime, isPlainObject } from './validate.js';

export type ImportItem =
  | { type: 'session'; line: number; session: ImportedSession }
  | { type: 'event'; line: number; sessionId: string; seq: number; record: EventRecord & { id: string } }
  | { type: 'artifact'; line: number; record: ArtifactRecord & { handle: string }; createdAt: number };

interface ImportedSession {
  id: string;
  title: string | null;
  summary: string | null;
  metadata: JsonObject;
  createdAt: number;
  updatedAt: number;
  lastSeq: number;
  revision: number;
}

export interface ImportState {
  report: ImportReport;
  touchedSessions: Set<string>;
  sawHeader: boolean;
}

const INSERT_SESSION = `INSERT INTO sessions (id, title, summary, metadata, created_at, updated_at, last_seq, revision)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const RECOUNT_SESSION = `UPDATE sessions SET
    event_count = (SELECT count(*) FROM events WHERE session_key = sessions.key),
    token_count = (SELECT total(tokens) FROM events WHERE session_key = sessions.key),
    last_seq = max(last_seq, (SELECT ifnull(max(seq), 0) FROM events WHERE session_key = sessions.key))
  WHERE id = ?`;

function nullableText(value: unknown, what: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string')
    throw invalid(`${what} must be a string or null, got ${describeValue(value)}`);
  return value;
}

/** Drops `null` fields, which exports write for absent values, so the input checks see absent ones. */
function withoutNulls(record: Record<string, unknown>, skip: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    // defineProperty, not assignment: a "__proto__" field must stay a field, not set the prototype.
    if (value !== null && !skip.includes(key))
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Parses and checks one line; a bad line is reported in `state` and yields nothing. */
export async function parseImportLine(
  line: string,
  lineNo: number,
  state: ImportState,
): Promise<ImportItem | null> {
  try {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw invalid('not valid JSON');
    }
    if (!isPlainObject(value)) throw invalid(`expected a JSON object, got ${describeValue(value)}`);
    switch (value.type) {
      case 'threadkeep':
        if (value.version !== 1)
          throw invalid(`export format version ${describeValue(value.version)} is not supported`);
        state.sawHeader = true;
        return null;
      case 'session':
        return {
          type: 'session',
          line: lineNo,
          session: {
            id: checkId(value.id, 'session id'),
            title: nullableText(value.title, 'session title'),
            summary: nullableText(value.summary, 'session summary'),
            metadata: value.metadata == null ? {} : checkJsonObject(value.metadata, 'session metadata'),
            createdAt: checkTime(value.createdAt, 'session createdAt'),
            updatedAt: checkTime(value.updatedAt, 'session updatedAt'),
            lastSeq: checkCount(value.lastSeq ?? 0, 'session lastSeq'),
            revision: checkCount(value.revision ?? 0, 'session revision'),
          },
        };
      case 'event': {
        const sessionId = checkId(value.sessionId, 'event sessionId');
        const seq = checkCount(value.seq, 'event seq');
        if (seq < 1) throw invalid(`event seq must be at least 1, got ${seq}`);
        const record = toEventRecord(withoutNulls(value, ['type', 'sessionId', 'seq']), 'event');
        if (record.id === undefined) throw invalid('event id is missing');
        return {
          type: 'event',
          line: lineNo,
          sessionId,
          seq,
          record: record as EventRecord & { id: string },
        };
      }
      case 'artifact': {
        if (typeof value.data !== 'string') throw invalid('artifact data must be a base64 string');
        let bytes: Uint8Array;
        try {
          bytes = base64ToBytes(value.data);
        } catch {
          throw invalid('artifact data is not valid base64');
        }
        const fields = withoutNulls(value, ['type', 'data', 'size', 'sha256', 'createdAt']);
        const record = await toArtifactRecord({ ...fields, data: bytes });
        if (record.handle === undefined) throw invalid('artifact handle is missing');
        if (value.sha256 !== record.sha256) {
          throw invalid(`artifact ${JSON.stringify(record.handle)} data does not match its sha256`);
        }
        const createdAt = checkTime(value.createdAt, 'artifact createdAt');
        return {
          type: 'artifact',
          line: lineNo,
          record: record as ArtifactRecord & { handle: string },
          createdAt,
        };
      }
      default:
        throw invalid(`unknown record type ${describeValue(value.type)}`);
    }
  } catch (error) {
    state.report.errors.push(`line ${lineNo}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** Applies one checked record under a savepoint: a failing record changes nothing and is reported. */
export function applyImportItem(ctx: WriteContext, item: ImportItem, state: ImportState): void {
  const { db } = ctx;
  const report = state.report;
  db.exec('SAVEPOINT import_item');
  try {
    if (item.type === 'session') {
      const s = item.session;
      if (findSession(db, s.id)) {
        report.skipped++;
      } else {
        db.run(INSERT_SESSION, [
          s.id,
          encodeText(s.title),
          encodeText(s.summary),
          JSON.stringify(s.metadata),
          s.createdAt,
          s.updatedAt,
          s.lastSeq,
          s.revision,
        ]);
        state.touchedSessions.add(s.id);
        report.sessions++;
        ctx.changes.push({
          kind: 'session',
          op: 'create',
          sessionId: s.id,
          ids: [s.id],
          revision: s.revision,
        });
      }
    } else if (item.type === 'event') {
      const r = item.record;
      if (db.value('SELECT 1 FROM events WHERE id = ?', [r.id]) !== undefined) {
        report.skipped++;
      } else {
        const session = findSession(db, item.sessionId);
        if (!session)
          throw invalid(
            `session ${JSON.stringify(item.sessionId)} is neither in the store nor earlier in the file`,
          );
        if (
          db.value('SELECT 1 FROM events WHERE session_key = ? AND seq = ?', [session.key, item.seq]) !==
          undefined
        ) {
          throw invalid(
            `session ${JSON.stringify(item.sessionId)} already has an event with seq ${item.seq}`,
          );
        }
        insertEventRow(db, session.key, item.seq, r.id, r, r.createdAt ?? ctx.now);
        ctx.indexQueued = true;
        state.touchedSessions.add(item.sessionId);
        report.events++;
        const last = ctx.changes.at(-1);
        if (last?.kind === 'event' && last.sessionId === item.sessionId) last.ids.push(r.id);
        else
          ctx.changes.push({
            kind: 'event',
            op: 'create',
            sessionId: item.sessionId,
            ids: [r.id],
            revision: null,
          });
      }
    } else if (db.value('SELECT 1 FROM artifacts WHERE handle = ?', [item.record.handle]) !== undefined) {
      report.skipped++;
    } else {
      putArtifact(ctx, item.record, item.createdAt);
      report.artifacts++;
    }
    db.exec('RELEASE import_item');
  } catch (error) {
    db.exec('ROLLBACK TO import_item');
    db.exec('RELEASE import_item');
    report.errors.push(`line ${item.line}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Recounts the imported sessions' totals from the events that actually landed. */
export function finishImport(ctx: WriteContext, state: ImportState): void {
  for (const id of state.touchedSessions) ctx.db.run(RECOUNT_SESSION, [id]);
}

/**
 * Artifacts: bytes stored as 256 KiB chunk rows, so a 100 MB file never has to be one SQLite
 * value and a drilldown reads only the chunks it needs.
 */
import { artifactFormat, type ChunkSource, drilldown } from './artifacts/drilldown.js';
import type { Database } from './database.js';
import type { WriteContext } from './engine.js';
import { describeValue, invalid, notFound, ThreadkeepError } from './errors.js';
import { newId } from './ids.js';
import { ARTIFACT_COLUMNS, encodeText, toArtifactRef } from './rows.js';
import type { ArtifactRef, JsonObject } from './types.js';
import {
  checkHandle,
  checkJsonObject,
  checkLabel,
  checkOptionalId,
  checkOptions,
  checkString,
} from './validate.js';

export const CHUNK_SIZE = 256 * 1024;

const FIND_ARTIFACT = `SELECT ${ARTIFACT_COLUMNS} FROM artifacts a WHERE a.handle = ?`;
const INSERT_ARTIFACT = `INSERT INTO artifacts (handle, name, mime, size, sha256, session_id, event_id, metadata, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_CHUNK = 'INSERT INTO artifact_chunks (artifact_key, n, data) VALUES (?, ?, ?)';
const READ_CHUNK = 'SELECT data FROM artifact_chunks WHERE artifact_key = ? AND n = ?';
const READ_CHUNKS = 'SELECT data FROM artifact_chunks WHERE artifact_key = ? ORDER BY n';
const LIST_ARTIFACTS = `SELECT ${ARTIFACT_COLUMNS} FROM artifacts a WHERE (?1 IS NULL OR a.session_id = ?1)
  ORDER BY a.created_at DESC, a.handle ASC LIMIT ?2 OFFSET ?3`;
const DELETE_CHUNKS = 'DELETE FROM artifact_chunks WHERE artifact_key = ?';
const DELETE_ARTIFACT = 'DELETE FROM artifacts WHERE key = ?';

/** A checked `put` input with its bytes read and hashed (async work done before the call is queued). */
export interface ArtifactRecord {
  handle: string | undefined;
  name: string | null;
  mime: string;
  bytes: Uint8Array;
  sha256: string;
  sessionId: string | null;
  eventId: string | null;
  metadata: JsonObject;
}

const encoder = new TextEncoder();

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let out = '';
  for (const b of digest) out += b.toString(16).padStart(2, '0');
  return out;
}

export async function toArtifactRecord(value: unknown): Promise<ArtifactRecord> {
  if (value === undefined) throw invalid('artifact input must be an object, got undefined');
  const input = checkOptions(value, 'artifact input', [
    'data',
    'mime',
    'name',
    'handle',
    'sessionId',
    'eventId',
    'metadata',
  ]);
  const data = input.data;
  let bytes: Uint8Array;
  let mime: string;
  if (typeof data === 'string') {
    bytes = encoder.encode(data);
    mime = 'text/plain;charset=utf-8';
  } else if (data instanceof Uint8Array) {
    bytes = data;
    mime = 'application/octet-stream';
  } else if (data instanceof ArrayBuffer) {
    bytes = new Uint8Array(data);
    mime = 'application/octet-stream';
  } else if (typeof Blob !== 'undefined' && data instanceof Blob) {
    bytes = new Uint8Array(await data.arrayBuffer());
    mime = data.type || 'application/octet-stream';
  } else {
    throw invalid(
      `artifact data must be a string, Uint8Array, ArrayBuffer or Blob, got ${describeValue(data)}`,
    );
  }
  return {
    handle: input.handle === undefined ? undefined : checkHandle(input.handle),
    name: input.name === undefined ? null : checkString(input.name, 'artifact name'),
    mime: input.mime === undefined ? mime : checkLabel(input.mime, 'artifact mime'),
    bytes,
    sha256: await sha256Hex(bytes),
    sessionId: checkOptionalId(input.sessionId, 'artifact sessionId') ?? null,
    eventId: checkOptionalId(input.eventId, 'artifact eventId') ?? null,
    metadata: input.metadata === undefined ? {} : checkJsonObject(input.metadata, 'artifact metadata'),
  };
}

export function putArtifact(ctx: WriteContext, record: ArtifactRecord, createdAt?: number): ArtifactRef {
  const handle = record.handle ?? newId(ctx.now);
  if (ctx.db.value('SELECT 1 FROM artifacts WHERE handle = ?', [handle]) !== undefined) {
    throw new ThreadkeepError('DUPLICATE_ID', `artifact handle ${JSON.stringify(handle)} is already in use`, {
      handle,
    });
  }
  const ref: ArtifactRef = {
    handle,
    name: record.name,
    mime: record.mime,
    size: record.bytes.byteLength,
    sha256: record.sha256,
    sessionId: record.sessionId,
    eventId: record.eventId,
    metadata: record.metadata,
    createdAt: createdAt ?? ctx.now,
  };
  const key = ctx.db.insert(INSERT_ARTIFACT, [
    handle,
    encodeText(ref.name),
    ref.mime,
    ref.size,
    ref.sha256,
    ref.sessionId,
    ref.eventId,
    JSON.stringify(ref.metadata),
    ref.createdAt,
  ]);
  for (let n = 0, at = 0; at < ref.size; n++, at += CHUNK_SIZE) {
    ctx.db.run(INSERT_CHUNK, [key, n, record.bytes.subarray(at, Math.min(at + CHUNK_SIZE, ref.size))]);
  }
  ctx.changes.push({
    kind: 'artifact',
    op: 'create',
    sessionId: ref.sessionId,
    ids: [handle],
    revision: null,
  });
  return ref;
}

function findArtifact(db: Database, handle: string): { key: number; ref: ArtifactRef } | undefined {
  const row = db.get(FIND_ARTIFACT, [checkHandle(handle)]);
  return row ? { key: row.key as number, ref: toArtifactRef(row) } : undefined;
}

export function artifactRef(db: Database, handle: string): ArtifactRef | undefined {
  return findArtifact(db, handle)?.ref;
}

export function readArtifact(db: Database, handle: string): Uint8Array | undefined {
  const found = findArtifact(db, handle);
  if (!found) return undefined;
  const out = new Uint8Array(found.ref.size);
  let at = 0;
  for (const chunk of db.column(READ_CHUNKS, [found.key]) as Uint8Array[]) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export function listArtifacts(
  db: Database,
  options: { sessionId?: string | undefined; limit: number; offset: number },
): ArtifactRef[] {
  return db
    .all(LIST_ARTIFACTS, [options.sessionId ?? null, options.limit, options.offset])
    .map(toArtifactRef);
}

export function deleteArtifact(ctx: WriteContext, handle: string): boolean {
  const found = findArtifact(ctx.db, handle);
  if (!found) return false;
  ctx.db.run(DELETE_CHUNKS, [found.key]);
  ctx.db.run(DELETE_ARTIFACT, [found.key]);
  ctx.changes.push({
    kind: 'artifact',
    op: 'delete',
    sessionId: found.ref.sessionId,
    ids: [handle],
    revision: null,
  });
  return true;
}

/** The selected part of an artifact, read chunk by chunk inside the engine. */
export function drilldownArtifact(db: Database, handle: string, selector: unknown): string {
  const found = findArtifact(db, handle);
  if (!found)
    throw notFound(`cannot drill down: artifact ${JSON.stringify(handle)} does not exist`, { handle });
  const source: ChunkSource = {
    size: found.ref.size,
    chunkCount: Math.ceil(found.ref.size / CHUNK_SIZE),
    readChunk: (index) => {
      const data = db.value(READ_CHUNK, [found.key, index]);
      if (!(data instanceof Uint8Array)) {
        throw new ThreadkeepError('CORRUPT', `artifact ${JSON.stringify(handle)} is missing chunk ${index}`, {
          handle,
        });
      }
      return data;
    },
  };
  return drilldown(source, selector, artifactFormat(found.ref.mime, found.ref.name), handle);
}

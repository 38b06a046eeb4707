/**
 * Whole-store views for tests that must show "nothing changed": every session, every event and
 * every artifact (with its bytes), read through the public API only.
 */
import { expect } from 'vitest';
import type { ArtifactRef, Session, Store, StoredEvent } from '../../../src/core/types.js';

export interface StoreSnapshot {
  sessions: Array<{ session: Session; events: StoredEvent[] }>;
  artifacts: Array<{ ref: ArtifactRef; bytes: number[] }>;
}

/** SQLite's BINARY order of UTF-8 text, which is code point order (not JavaScript's UTF-16 `<`). */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Every session (by id) with all its events, and every artifact (by handle) with its bytes. */
export async function snapshotStore(store: Store): Promise<StoreSnapshot> {
  const sessions: Session[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.sessions.list({ limit: 1000, offset });
    sessions.push(...page);
    if (page.length < 1000) break;
  }
  // list's order is part of the contract: updatedAt descending, then id ascending.
  for (let i = 1; i < sessions.length; i++) {
    const a = sessions[i - 1]!;
    const b = sessions[i]!;
    expect(
      a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && compareCodePoints(a.id, b.id) < 0),
    ).toBe(true);
  }
  sessions.sort((a, b) => compareCodePoints(a.id, b.id));
  const withEvents = [];
  for (const session of sessions) {
    const events = await store.events.list(session.id, { limit: 10_000 });
    withEvents.push({ session, events });
  }
  const refs: ArtifactRef[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.artifacts.list({ limit: 1000, offset });
    refs.push(...page);
    if (page.length < 1000) break;
  }
  refs.sort((a, b) => compareCodePoints(a.handle, b.handle));
  const artifacts = [];
  for (const ref of refs) {
    const bytes = await store.artifacts.get(ref.handle);
    expect(bytes, `artifact ${ref.handle} is listed but has no bytes`).toBeInstanceOf(Uint8Array);
    artifacts.push({ ref, bytes: [...bytes!] });
  }
  return { sessions: withEvents, artifacts };
}

/** The JSONL export without its first line, whose `exportedAt` differs on every call. */
export async function exportBody(store: Store): Promise<string> {
  const text = await (await store.exportJSONL()).text();
  const header = text.indexOf('\n');
  expect(JSON.parse(text.slice(0, header))).toMatchObject({ type: 'threadkeep', version: 1 });
  return text.slice(header + 1);
}

/**
 * Which public methods write. Kept apart from api.ts so the main thread can know it without
 * loading the engine: a forwarded write carries a call id that makes it apply at most once.
 */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'sessions.create',
  'sessions.update',
  'sessions.delete',
  'sessions.fork',
  'events.append',
  'events.patch',
  'events.truncate',
  'events.replace',
  'artifacts.put',
  'artifacts.delete',
]);

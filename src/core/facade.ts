/**
 * The public `Store` object, built over an `Invoke` function. The in-process store invokes the
 * handlers directly; the browser client invokes them in a worker or in the leader tab. Either
 * way the user sees the same object.
 */
import type { EngineInfo, Invoke } from './api.js';
import { describeValue, invalid } from './errors.js';
import type { Change, ChangeFilter, Store, StoreInfo } from './types.js';
import { checkOptionalId, checkOptions } from './validate.js';

export interface FacadeHooks {
  invoke: Invoke;
  /** Subscribes to committed changes from wherever they come; returns the unsubscribe function. */
  onChanges(listener: (changes: readonly Change[]) => void): () => void;
  /** Adds what only the environment knows (role, persistence, quota) to the engine's info. */
  describe(info: EngineInfo): Promise<StoreInfo>;
  close(): Promise<void>;
}

export function createStoreFacade(name: string, hooks: FacadeHooks): Store {
  const { invoke } = hooks;
  const listeners = new Set<{ listener: (change: Change) => void; sessionId: string | undefined }>();
  let unsubscribeSource: (() => void) | undefined;

  const deliver = (changes: readonly Change[]) => {
    for (const change of changes) {
      for (const entry of listeners) {
        if (entry.sessionId !== undefined && change.sessionId !== entry.sessionId) continue;
        try {
          entry.listener(change);
        } catch (error) {
          // One listener's bug must not keep the change from the others.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
  };

  const store: Store = {
    name,
    sessions: {
      create: (input) => invoke('sessions.create', [input]),
      get: (id) => invoke('sessions.get', [id]),
      list: (options) => invoke('sessions.list', [options]),
      update: (id, patch) => invoke('sessions.update', [id, patch]),
      delete: (id) => invoke('sessions.delete', [id]),
      fork: (id, options) => invoke('sessions.fork', [id, options]),
    },
    events: {
      append: (sessionId, input, options) => invoke('events.append', [sessionId, input, options]),
      get: (id) => invoke('events.get', [id]),
      list: (sessionId, options) => invoke('events.list', [sessionId, options]),
      tail: (sessionId, n) => invoke('events.tail', [sessionId, n]),
      patch: (id, patch) => invoke('events.patch', [id, patch]),
      truncate: (sessionId, options) => invoke('events.truncate', [sessionId, options]),
      replace: (sessionId, input, options) => invoke('events.replace', [sessionId, input, options]),
      messages: (sessionId, options) => invoke('events.messages', [sessionId, options]),
    },
    artifacts: {
      put: (input) => invoke('artifacts.put', [input]),
      get: (handle) => invoke('artifacts.get', [handle]),
      text: (handle) => invoke('artifacts.text', [handle]),
      ref: (handle) => invoke('artifacts.ref', [handle]),
      list: (options) => invoke('artifacts.list', [options]),
      delete: (handle) => invoke('artifacts.delete', [handle]),
      drilldown: (handle, selector) => invoke('artifacts.drilldown', [handle, selector]),
    },
    search: (query, options) => invoke('search', [query, options]),
    subscribe(listener, filter) {
      if (typeof listener !== 'function') {
        throw invalid(`subscribe needs a listener function, got ${describeValue(listener)}`);
      }
      const f = checkOptions(filter, 'subscribe filter', ['sessionId']) as ChangeFilter;
      const entry = { listener, sessionId: checkOptionalId(f.sessionId, 'subscribe filter sessionId') };
      listeners.add(entry);
      unsubscribeSource ??= hooks.onChanges(deliver);
      return () => {
        listeners.delete(entry);
        if (listeners.size === 0 && unsubscribeSource) {
          unsubscribeSource();
          unsubscribeSource = undefined;
        }
      };
    },
    info: async () => hooks.describe(await invoke('info', [])),
    exportJSONL: (options) => invoke('exportJSONL', [options]),
    importJSONL: (source) => invoke('importJSONL', [source]),
    exportDatabase: () => invoke('exportDatabase', []),
    close: async () => {
      listeners.clear();
      unsubscribeSource?.();
      unsubscribeSource = undefined;
      await hooks.close();
    },
    [Symbol.asyncDispose]: () => store.close(),
  };
  return store;
}

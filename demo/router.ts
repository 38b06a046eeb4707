/**
 * The open chat lives in the address (`#chat=<id>&at=<seq>`), so a reload, a bookmark or the
 * back button returns to it. The hash keeps it a static page: any file server can host it.
 */

export interface Route {
  sessionId: string | null;
  seq?: number;
}

export function readRoute(): Route {
  const params = new URLSearchParams(location.hash.slice(1));
  const sessionId = params.get('chat');
  const seq = Number(params.get('at'));
  return sessionId
    ? { sessionId, ...(Number.isSafeInteger(seq) && seq > 0 ? { seq } : {}) }
    : { sessionId: null };
}

export function routeHref(sessionId: string | null, seq?: number): string {
  if (sessionId === null) return '#';
  const params = new URLSearchParams({ chat: sessionId });
  if (seq !== undefined) params.set('at', String(seq));
  return `#${params}`;
}

/** Records a route without a hashchange event: the caller shows it itself. */
export function writeRoute(route: Route): void {
  const href = routeHref(route.sessionId, route.seq);
  if (href === (location.hash || '#')) return;
  history.pushState(null, '', href === '#' ? location.pathname + location.search : href);
}

/**
 * Errors cross the worker boundary whole. Comlink's default "throw" handler keeps only
 * `message`, `name` and `stack`; this one also carries `code` and `details`, and rebuilds a
 * `ThreadkeepError` on the receiving side so `instanceof` holds there. Both the worker and the
 * main thread call `registerErrorTransfer()` before they talk: an explicit call, not an import for
 * its side effect, so no bundler's tree-shaking can drop it.
 */
import { transferHandlers } from 'comlink';
import { ERROR_CODES, type ErrorCode, ThreadkeepError, toThreadkeepError } from '../core/errors.js';
import type { JsonObject } from '../core/types.js';

interface WireError {
  code: ErrorCode;
  message: string;
  details?: JsonObject;
}

const isThrown = (value: unknown): value is { value: unknown } =>
  typeof value === 'object' &&
  value !== null &&
  Object.getOwnPropertySymbols(value).some((s) => s.description === 'Comlink.thrown');

/** Turns any thrown value into the plain data that crosses a thread or a tab. */
export function toWireError(error: unknown): WireError {
  const e = toThreadkeepError(error, 'the call');
  return e.details === undefined
    ? { code: e.code, message: e.message }
    : { code: e.code, message: e.message, details: e.details };
}

export function fromWireError(wire: WireError): ThreadkeepError {
  const code = ERROR_CODES.includes(wire.code) ? wire.code : 'INTERNAL';
  return new ThreadkeepError(code, wire.message, wire.details);
}

let registered = false;

export function registerErrorTransfer(): void {
  if (registered) return;
  registered = true;
  transferHandlers.set('throw', {
    canHandle: isThrown,
    serialize: (thrown: unknown) => [toWireError((thrown as { value: unknown }).value), []],
    deserialize: (wire: unknown) => {
      throw fromWireError(wire as WireError);
    },
  });
}

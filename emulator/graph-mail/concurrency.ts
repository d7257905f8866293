import type { AccessTokenClaims } from '../identity/tokens.ts';
import { GraphError, TEXT } from './errors.ts';
import type { GraphMailState } from './state.ts';

/** Requests holding a concurrency slot, by request, so the route wrapper can give the slot back. */
const held = new WeakMap<Request, () => void>();

/**
 * Outlook's concurrency limit: at most `concurrencyLimit` requests in flight per app, or per app and mailbox
 * (graph-mail-spec.md §7: Microsoft's pages disagree, hence the switch). One more is `429 ApplicationThrottled`.
 */
export const takeSlot = (
  state: GraphMailState,
  request: Request,
  claims: AccessTokenClaims,
  mailbox: string,
): void => {
  const { concurrencyLimit, concurrencyScope } = state.settings;
  if (concurrencyLimit === null || held.has(request)) return;
  const key = concurrencyScope === 'app' ? claims.appid : `${claims.appid}|${mailbox}`;
  const inFlight = state.inFlight.get(key) ?? 0;
  if (inFlight >= concurrencyLimit)
    throw new GraphError(429, 'ApplicationThrottled', TEXT.mailboxConcurrency, { 'Retry-After': '1' });
  state.inFlight.set(key, inFlight + 1);
  held.set(request, () => {
    const left = (state.inFlight.get(key) ?? 1) - 1;
    if (left <= 0) state.inFlight.delete(key);
    else state.inFlight.set(key, left);
  });
};

/** Gives back the slot `request` held, if any. */
export const releaseSlot = (request: Request): void => {
  held.get(request)?.();
  held.delete(request);
};

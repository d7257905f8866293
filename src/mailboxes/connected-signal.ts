/**
 * "A mailbox was just connected", within this process: the IDLE watchers of a process that runs them
 * start on it at once, so its Inbox syncs within seconds instead of at their next rescan. Other
 * processes find it at that rescan.
 */
const target = new EventTarget();
const EVENT = 'mailbox-connected';

export const announceMailboxConnected = (mailboxId: string): void => {
  target.dispatchEvent(new CustomEvent(EVENT, { detail: mailboxId }));
};

/** Calls `fn` for each mailbox connected from now on; returns the unsubscribe. */
export const onMailboxConnected = (fn: (mailboxId: string) => void): (() => void) => {
  const listener = (event: Event) => fn((event as CustomEvent<string>).detail);
  target.addEventListener(EVENT, listener);
  return () => target.removeEventListener(EVENT, listener);
};

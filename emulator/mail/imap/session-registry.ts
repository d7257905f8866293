import type { Socket } from 'node:net';
import type { EmulatorContext } from '../../context.ts';

/** One authenticated IMAP session on the front: its socket and whether it is in IDLE (RFC 2177). */
export interface LiveSession {
  readonly socket: Socket;
  idling: boolean;
}

interface MailboxSessions {
  readonly live: Set<LiveSession>;
  /** The most sessions the mailbox had open at once since the emulator started or the peaks were reset. */
  peak: number;
}

/**
 * Authenticated IMAP sessions per mailbox, so a test can cut them as a network failure would and count
 * them: Exchange Online caps concurrent IMAP sessions per mailbox, so a client must not open more than it needs.
 */
const registries = new WeakMap<EmulatorContext, Map<string, MailboxSessions>>();

const registryOf = (ctx: EmulatorContext): Map<string, MailboxSessions> => {
  const registry = registries.get(ctx) ?? new Map<string, MailboxSessions>();
  registries.set(ctx, registry);
  return registry;
};

const sessionsOf = (ctx: EmulatorContext, mailbox: string): MailboxSessions => {
  const registry = registryOf(ctx);
  const entry = registry.get(mailbox) ?? { live: new Set<LiveSession>(), peak: 0 };
  registry.set(mailbox, entry);
  return entry;
};

export const registerSession = (ctx: EmulatorContext, mailbox: string, socket: Socket): LiveSession => {
  const entry = sessionsOf(ctx, mailbox);
  const session: LiveSession = { socket, idling: false };
  entry.live.add(session);
  entry.peak = Math.max(entry.peak, entry.live.size);
  socket.once('close', () => entry.live.delete(session));
  return session;
};

/** Destroys every live session of the mailbox without a word, mid-response if need be. Returns how many. */
export const cutSessions = (ctx: EmulatorContext, mailbox: string): number => {
  const live = registryOf(ctx).get(mailbox.toLowerCase())?.live ?? new Set<LiveSession>();
  const count = live.size;
  for (const session of live) session.socket.destroy();
  return count;
};

export interface MailboxSessionCount {
  readonly address: string;
  readonly sessions: number;
  readonly idling: number;
  readonly peak: number;
}

/** Every mailbox that had a session since the peaks were last reset, with its live and peak counts. */
export const countSessions = (ctx: EmulatorContext): MailboxSessionCount[] =>
  [...registryOf(ctx)].map(([address, { live, peak }]) => ({
    address,
    sessions: live.size,
    idling: [...live].filter((s) => s.idling).length,
    peak,
  }));

/** Starts the peaks again from the sessions open now; mailboxes with none are forgotten. */
export const resetPeaks = (ctx: EmulatorContext): void => {
  const registry = registryOf(ctx);
  for (const [address, entry] of registry) {
    if (entry.live.size === 0) registry.delete(address);
    else entry.peak = entry.live.size;
  }
};

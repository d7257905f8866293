import type { Socket } from 'node:net';
import type { EmulatorContext } from '../../context.ts';

/** Authenticated IMAP sessions per mailbox, so a test can cut them as a network failure would. */
const registries = new WeakMap<EmulatorContext, Map<string, Set<Socket>>>();

const registryOf = (ctx: EmulatorContext): Map<string, Set<Socket>> => {
  const registry = registries.get(ctx) ?? new Map<string, Set<Socket>>();
  registries.set(ctx, registry);
  return registry;
};

export const registerSession = (ctx: EmulatorContext, mailbox: string, socket: Socket): void => {
  const registry = registryOf(ctx);
  const sockets = registry.get(mailbox) ?? new Set<Socket>();
  registry.set(mailbox, sockets);
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
};

/** Destroys every live session of the mailbox without a word, mid-response if need be. Returns how many. */
export const cutSessions = (ctx: EmulatorContext, mailbox: string): number => {
  const sockets = registryOf(ctx).get(mailbox.toLowerCase()) ?? new Set<Socket>();
  const count = sockets.size;
  for (const socket of sockets) socket.destroy();
  return count;
};

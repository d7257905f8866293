import type { RunningEmulator } from '../../emulator/start.ts';

/** Calls the emulator's control API and returns status and JSON body. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the control API answered.
type Json = any;

export const control = async (
  emu: RunningEmulator,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> => {
  const response = await fetch(`${emu.httpUrl}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
};

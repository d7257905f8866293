import assert from 'node:assert/strict';
import type { RunningEmulator } from '../../emulator/start.ts';

/** Calls the emulator's control API and returns status and JSON body. */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the control API answered.
type Json = any;

export type ControlMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const control = async (
  emu: RunningEmulator,
  method: ControlMethod,
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

/** A control call as data, for tables of failing requests. */
export type ControlCall = readonly [ControlMethod, string, unknown?];

/** Every failing control call answers `{error:{code,message}}` with the status that goes with the code. */
export const assertControlError = async (
  emu: RunningEmulator,
  call: ControlCall,
  status: 400 | 404 | 409,
  code: string,
): Promise<void> => {
  const res = await control(emu, ...call);
  assert.equal(res.status, status, `${call[0]} ${call[1]}: ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body.error), ['code', 'message']);
  assert.equal(res.body.error.code, code);
};

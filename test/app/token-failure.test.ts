import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTokenFailure } from '../../src/mailboxes/token-failure.ts';
import { IdentityError } from '../../src/microsoft/identity-error.ts';
import { parseTokenError } from '../../src/microsoft/token-endpoint-error.ts';

const refusal = (status: number, error: string, aadsts: number | null, retryAfter: string | null = null) => {
  const body = {
    error,
    error_description: aadsts ? `AADSTS${aadsts}: text.\r\nTrace ID: t` : 'text',
    ...(aadsts ? { error_codes: [aadsts] } : {}),
  };
  return new IdentityError('microsoft.token_error', 'refused', parseTokenError(status, body, retryAfter)!);
};

test('refresh failures are sorted by who must act (ms-identity-spec.md §15)', () => {
  const cases: [IdentityError, string, string | null][] = [
    [refusal(400, 'invalid_grant', 50173), 'reconnect_required', 'AADSTS50173'],
    [refusal(400, 'invalid_grant', 700082), 'reconnect_required', 'AADSTS700082'],
    [refusal(400, 'invalid_grant', 65001), 'reconnect_required', 'AADSTS65001'],
    [refusal(400, 'invalid_grant', 50076), 'reconnect_required', 'AADSTS50076'],
    [refusal(400, 'interaction_required', 50079), 'reconnect_required', 'AADSTS50079'],
    [refusal(401, 'invalid_client', 7000222), 'admin_action_required', 'AADSTS7000222'],
    [refusal(401, 'invalid_client', 7000215), 'admin_action_required', 'AADSTS7000215'],
    [refusal(400, 'unauthorized_client', 700016), 'admin_action_required', 'AADSTS700016'],
    [refusal(429, 'temporarily_unavailable', 90055, '30'), 'retrying', 'http_429'],
    [refusal(503, 'temporarily_unavailable', 90033), 'retrying', 'AADSTS90033'],
    [new IdentityError('microsoft.unreachable', 'down'), 'retrying', 'unreachable'],
  ];
  for (const [error, state, code] of cases) {
    const change = classifyTokenFailure(error);
    assert.equal(change.state, state, String(code));
    assert.equal(change.code, code);
    assert.ok(change.message && change.message.length > 20);
  }
  const wait = classifyTokenFailure(refusal(429, 'temporarily_unavailable', null, '30'));
  const seconds = (Date.parse(wait.nextAttemptAt!) - Date.now()) / 1000;
  assert.ok(seconds > 28 && seconds <= 30, `Retry-After honoured: ${seconds}`);
  const capped = classifyTokenFailure(refusal(429, 'temporarily_unavailable', null, '999999'));
  assert.ok(
    Date.parse(capped.nextAttemptAt!) - Date.now() <= 3600_000,
    'a huge Retry-After is capped at an hour',
  );
  assert.match(
    classifyTokenFailure(refusal(401, 'invalid_client', 7000222)).message ?? '',
    /no user needs to reconnect/,
  );
});

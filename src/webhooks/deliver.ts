import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { withLease } from '../jobs/lease.ts';
import type { Logger } from '../log/logger.ts';
import { type SecretBox, SecretBoxError } from '../secrets/secret-box.ts';
import { nextAttemptAt } from './backoff.ts';
import { type AttemptOutcome, countAttempt } from './delivery-stats.ts';
import { disableEndpoint, endpointToDeliver } from './endpoints.ts';
import { sendWebhook } from './send-webhook.ts';
import { sign } from './signature.ts';
import { WebhookError } from './webhook-error.ts';

export interface WebhookDeps {
  readonly db: Db;
  readonly log: Logger;
  readonly secrets: SecretBox;
  readonly config: Config;
  /** The clock retries are scheduled on; tests drive it. The signature's timestamp is always real time. */
  readonly now: () => Date;
  /** PEM of MAILROOM_WEBHOOKS_CA_FILE, read once at start: CAs trusted for receivers beside the system's. */
  readonly webhookCa: string | null;
}

type Delivery = {
  readonly id: number;
  readonly endpoint_id: string;
  readonly webhook_id: string;
  readonly type: string;
  readonly body: string;
  readonly attempts: number;
  readonly first_attempt_at: string | null;
  readonly next_attempt_at: string;
};

/** The message an endpoint must send next: its oldest pending one (order per endpoint is kept). */
const headOf = (db: Db, endpointId: string): Promise<Delivery | undefined> =>
  db
    .selectFrom('webhook_deliveries')
    .select([
      'id',
      'endpoint_id',
      'webhook_id',
      'type',
      'body',
      'attempts',
      'first_attempt_at',
      'next_attempt_at',
    ])
    .where('endpoint_id', '=', endpointId)
    .where('state', '=', 'pending')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();

interface Outcome {
  readonly ok: boolean;
  readonly status: number | null;
  readonly durationMs: number;
  readonly errorCode: string | null;
  readonly error: string | null;
}

/** One POST, signed per Standard Webhooks; any answer but a 2xx is a failure (a 3xx too: never followed). */
const attempt = async (
  deps: WebhookDeps,
  url: string,
  secrets: readonly string[],
  d: Delivery,
): Promise<Outcome> => {
  const timestamp = Math.floor(Date.now() / 1000);
  // One signature per secret that signs now (after a rotation, the new and the old one).
  const signature = secrets.map((secret) => sign(secret, d.webhook_id, timestamp, d.body)).join(' ');
  const started = performance.now();
  try {
    const response = await sendWebhook(
      {
        url,
        body: d.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Mailroom-Webhooks/1',
          'webhook-id': d.webhook_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
          // The name for it; the same value, for receivers written against it.
          'mailroom-signature': signature,
        },
      },
      { allowPrivate: deps.config.webhooks.allowPrivate, extraCa: deps.webhookCa },
    );
    const ok = response.status >= 200 && response.status < 300;
    const redirect = response.status >= 300 && response.status < 400;
    return {
      ok,
      status: response.status,
      durationMs: response.durationMs,
      errorCode: ok ? null : redirect ? 'webhook.redirect' : 'webhook.http_status',
      error: ok
        ? null
        : redirect
          ? `the receiver answered ${response.status} (a redirect); Mailroom does not follow redirects: register the final URL`
          : `the receiver answered ${response.status}`,
    };
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error;
    return {
      ok: false,
      status: null,
      durationMs: Math.round(performance.now() - started),
      errorCode: error.code,
      error: error.message,
    };
  }
};

/**
 * The secret could not be opened (its key is gone from the keyring): nothing is sent unsigned. A failed
 * attempt like any other, retried on the same schedule, with a message for the operator.
 */
const unopenedSecret = (error: SecretBoxError): Outcome => ({
  ok: false,
  status: null,
  durationMs: 0,
  errorCode: 'webhook.secret_unavailable',
  error: `the signing secret cannot be decrypted (${error.code}): the operator must restore the secret key it was sealed with, or an administrator rotates the secret`,
});

/** Writes an attempt's outcome: the log line, and the delivery delivered, waiting for its retry, or failed. */
const record = async (
  deps: WebhookDeps,
  d: Delivery,
  outcome: Outcome,
  at: Date,
): Promise<'next' | 'stop'> => {
  const attempts = d.attempts + 1;
  const first = d.first_attempt_at ? new Date(d.first_attempt_at) : at;
  const retryAt = outcome.ok ? null : nextAttemptAt(first, attempts, at);
  const state = outcome.ok ? 'delivered' : retryAt ? 'pending' : 'failed';
  const counted: AttemptOutcome = state === 'pending' ? 'retrying' : state;
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: d.id,
        endpoint_id: d.endpoint_id,
        at: at.toISOString(),
        status_code: outcome.status,
        duration_ms: outcome.durationMs,
        error_code: outcome.errorCode,
        error: outcome.error?.slice(0, 500) ?? null,
      })
      .execute();
    await trx
      .updateTable('webhook_deliveries')
      .set({
        state,
        attempts,
        first_attempt_at: first.toISOString(),
        next_attempt_at: (retryAt ?? at).toISOString(),
        last_status: outcome.status,
        last_error: outcome.error?.slice(0, 500) ?? null,
        updated_at: at.toISOString(),
      })
      .where('id', '=', d.id)
      .execute();
    // No request went out without the secret: no duration to count.
    const sent = outcome.errorCode !== 'webhook.secret_unavailable';
    await countAttempt(trx, counted, sent ? outcome.durationMs : null);
  });
  if (state === 'failed') {
    const reason = `Every attempt to deliver ${d.type} (${d.webhook_id}) failed for 3 days (${attempts} attempts); the last: ${outcome.error}. Fix the receiver, then turn the endpoint back on; the failed message can be resent from the log.`;
    await disableEndpoint(deps.db, d.endpoint_id, 'webhook.failing', reason, at);
    deps.log.warn(
      { event: 'webhook.endpoint_disabled', endpointId: d.endpoint_id, errorCode: outcome.errorCode },
      'a webhook endpoint was turned off after failing for the whole retry window',
    );
  } else if (outcome.errorCode === 'webhook.tls_failed')
    // The operator's to fix (a private CA not given, an expired or misnamed certificate): said louder.
    deps.log.warn(
      {
        event: 'webhook.tls_failed',
        endpointId: d.endpoint_id,
        webhookId: d.webhook_id,
        errorCode: outcome.errorCode,
        reason: outcome.error,
        retryAt,
      },
      'a webhook receiver’s TLS certificate did not verify; nothing was sent, it will be retried',
    );
  else if (!outcome.ok)
    deps.log.info(
      {
        event: 'webhook.attempt_failed',
        endpointId: d.endpoint_id,
        webhookId: d.webhook_id,
        errorCode: outcome.errorCode,
        status: outcome.status,
        retryAt,
      },
      'a webhook attempt failed; it will be retried',
    );
  return outcome.ok ? 'next' : 'stop';
};

/**
 * The `deliver-webhook` job: sends an endpoint's due messages one at a time, oldest first, under the
 * endpoint's lease (one sender per endpoint across every process), stopping at the first failure so the
 * messages behind it keep their order. Another process already sending for it: nothing to do here.
 */
export const deliverEndpoint = async (deps: WebhookDeps, endpointId: string): Promise<void> => {
  await withLease(deps, `webhook:${endpointId}`, { ttlMs: 30_000 }, async (signal) => {
    for (;;) {
      if (signal.aborted) return;
      const found = await endpointToDeliver(deps, endpointId, deps.now());
      if (!found?.endpoint.enabled) return;
      const { endpoint, secrets } = found;
      const head = await headOf(deps.db, endpointId);
      if (!head || head.next_attempt_at > deps.now().toISOString()) return;
      const outcome =
        secrets instanceof SecretBoxError
          ? unopenedSecret(secrets)
          : await attempt(deps, endpoint.url, secrets, head);
      if ((await record(deps, head, outcome, deps.now())) === 'stop') return;
    }
  });
};

/** Endpoints (enabled) whose oldest pending message is due: what the pump enqueues a job for. */
export const dueEndpoints = async (db: Db, now: Date): Promise<string[]> => {
  const at = now.toISOString();
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select('d.endpoint_id')
    .distinct()
    .where('e.enabled', '=', 1)
    .where('d.state', '=', 'pending')
    .where('d.next_attempt_at', '<=', at)
    // Not behind a message still waiting for its retry: order per endpoint is kept.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('webhook_deliveries as w')
            .select('w.id')
            .whereRef('w.endpoint_id', '=', 'd.endpoint_id')
            .where('w.state', '=', 'pending')
            .whereRef('w.id', '<', 'd.id')
            .where('w.next_attempt_at', '>', at),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.endpoint_id);
};

import type { Mailbox } from '../mailboxes/mailbox.ts';
import { Csrf, Field } from '../ui/layout.tsx';
import type { DeliveryView } from './delivery-log.ts';
import type { WebhookEndpoint } from './endpoints.ts';
import { EVENT_TYPE_LABELS, WEBHOOK_EVENT_TYPES } from './event-types.ts';

/** The guide's section a receiver's author needs (docs/api.md), as Mailroom serves it; test/docs/links.test.ts checks it. */
export const SIGNATURE_GUIDE = '/docs/api#verifying-the-signature';

export interface EndpointForm {
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[];
  readonly mailboxId: string;
}

export const emptyForm: EndpointForm = {
  url: '',
  description: '',
  eventTypes: ['message.created'],
  mailboxId: '',
};

/** The fields of an endpoint, for adding one and for changing it. */
export const EndpointFields = (props: {
  form: EndpointForm;
  errors: Record<string, string>;
  mailboxes: readonly Mailbox[];
}) => (
  <>
    <Field
      name="url"
      label="URL"
      value={props.form.url}
      error={props.errors.url}
      placeholder="https://example.com/hooks/mailroom"
      hint="https:// (http:// only for a receiver on this machine). Private and internal addresses are refused unless the operator allows them."
      required
    />
    <Field
      name="description"
      label="Description (optional)"
      value={props.form.description}
      error={props.errors.description}
    />
    <fieldset class={props.errors.eventTypes ? 'field invalid' : 'field'}>
      <legend>Events</legend>
      {props.errors.eventTypes && <div class="error">{props.errors.eventTypes}</div>}
      {WEBHOOK_EVENT_TYPES.map((type) => (
        <label class="check">
          <input
            type="checkbox"
            name="eventTypes"
            value={type}
            checked={props.form.eventTypes.includes(type)}
          />
          <span>
            <code>{type}</code> — {EVENT_TYPE_LABELS[type]}
          </span>
        </label>
      ))}
    </fieldset>
    <div class={props.errors.mailboxId ? 'field invalid' : 'field'}>
      <label for="mailboxId">Mailbox</label>
      {props.errors.mailboxId && <div class="error">{props.errors.mailboxId}</div>}
      <select id="mailboxId" name="mailboxId" aria-describedby="mailboxId-hint">
        <option value="">Every mailbox (all of their events)</option>
        {props.mailboxes.map((m) => (
          <option value={m.id} selected={props.form.mailboxId === m.id}>
            {m.label ? `${m.label} (${m.address})` : m.address}
          </option>
        ))}
      </select>
      <div class="hint" id="mailboxId-hint">
        Without a mailbox, this URL receives the events of every mailbox in Mailroom, staff members’ own
        mailboxes and the system mailboxes alike, those added later too: that is why only administrators
        register endpoints. Choose one mailbox to send only its events.
      </div>
    </div>
  </>
);

/** The secret, once: after creation or rotation. Never stored anywhere it could be shown again. */
export const SecretOnce = ({ secret }: { secret: string }) => (
  <div class="flash success" role="status">
    <p>
      The signing secret, shown this once — copy it into the receiver now. Mailroom keeps it encrypted and
      cannot show it again (rotate it to get a new one).
    </p>
    <p class="copy-row">
      <code class="mono" id="webhook-secret">
        {secret}
      </code>
    </p>
  </div>
);

export const EndpointList = ({ endpoints }: { endpoints: readonly WebhookEndpoint[] }) =>
  endpoints.length === 0 ? (
    <p>No endpoints yet.</p>
  ) : (
    <table>
      <thead>
        <tr>
          <th>URL</th>
          <th>Events</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {endpoints.map((e) => (
          <tr>
            <td>
              <a href={`/settings/webhooks/${e.id}`}>{e.url}</a>
              {e.description && <div class="hint">{e.description}</div>}
            </td>
            <td class="mono">{e.eventTypes.join(', ')}</td>
            <td>{e.enabled ? 'On' : e.disabled ? `Turned off by Mailroom: ${e.disabled.reason}` : 'Off'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

const outcomeOf = (a: DeliveryView['log'][number]) =>
  a.statusCode !== null ? `${a.statusCode}${a.error ? ` — ${a.error}` : ''}` : (a.error ?? '');

export const DeliveryLog = (props: {
  endpointId: string;
  deliveries: readonly DeliveryView[];
  csrf: string;
}) =>
  props.deliveries.length === 0 ? (
    <p>Nothing sent yet.</p>
  ) : (
    <table>
      <thead>
        <tr>
          <th>Message</th>
          <th>State</th>
          <th>Attempts (UTC; status, time, error)</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.deliveries.map((d) => (
          <tr>
            <td>
              <code>{d.type}</code>
              <div class="hint mono">{d.webhookId}</div>
            </td>
            <td>
              {d.state}
              {d.nextAttemptAt && d.attempts > 0 && (
                <div class="hint">next try {d.nextAttemptAt.replace('T', ' ').slice(0, 19)}</div>
              )}
            </td>
            <td>
              <ol>
                {d.log.map((a) => (
                  <li>
                    <span class="mono">{a.at.replace('T', ' ').slice(0, 19)}</span> {outcomeOf(a)} (
                    {a.durationMs} ms)
                  </li>
                ))}
              </ol>
            </td>
            <td>
              <form method="post" action={`/settings/webhooks/${props.endpointId}/deliveries/${d.id}/resend`}>
                <Csrf token={props.csrf} />
                <button type="submit" class="secondary">
                  Resend
                </button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

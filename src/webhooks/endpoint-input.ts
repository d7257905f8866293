import { z } from 'zod';
import { ipLiteralOf, isPrivateAddress } from './address-policy.ts';
import { DEFAULT_KEEP_PREVIOUS_HOURS } from './endpoints.ts';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';

const LOOPBACK_NAMES = new Set(['localhost']);

/** Loopback by its name or literal: the only hosts plain http may be used for. */
const isLoopbackHost = (hostname: string): boolean => {
  const literal = ipLiteralOf(hostname);
  if (!literal) return LOOPBACK_NAMES.has(hostname.toLowerCase());
  return literal === '::1' || literal.startsWith('127.') || literal === '::ffff:127.0.0.1';
};

/**
 * An endpoint URL: https, or http on loopback only; no credentials in it (they would show on pages and
 * in logs); a literal internal address refused here unless the operator allows them. A name is checked
 * on each delivery, after it resolves (webhooks/send-webhook.ts).
 */
export const endpointUrl = (allowPrivate: boolean) =>
  z
    .string()
    .trim()
    .min(1, 'Enter the URL that receives the events.')
    .max(2000, 'At most 2,000 characters.')
    .superRefine((text, ctx) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'Enter a full URL, such as https://example.com/hooks/mailroom.',
        });
        return;
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
        ctx.addIssue({
          code: 'custom',
          message: 'Use https:// (plain http:// only for a receiver on this machine).',
        });
      else if (url.username || url.password)
        ctx.addIssue({
          code: 'custom',
          message: 'Leave user names and passwords out of the URL; the signature authenticates Mailroom.',
        });
      else {
        const literal = ipLiteralOf(url.hostname);
        if (literal && !allowPrivate && isPrivateAddress(literal))
          ctx.addIssue({
            code: 'custom',
            message: `${literal} is a private, loopback or link-local address. Use a public address, or ask the operator to set MAILROOM_WEBHOOKS_ALLOW_PRIVATE=true.`,
          });
      }
    })
    .describe(
      'https (http only on loopback). Private, loopback and link-local addresses are refused unless the operator sets MAILROOM_WEBHOOKS_ALLOW_PRIVATE=true; names are checked after they resolve, at each delivery.',
    );

const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `Choose among: ${WEBHOOK_EVENT_TYPES.join(', ')}.` }))
  .min(1, 'Choose at least one event type.')
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((types) => [...new Set(types)]);

const mailboxId = z
  .string()
  .trim()
  .max(100)
  .nullable()
  .describe(
    'Only this mailbox’s events; null or left out: the events of every mailbox (staff members’ own and the system mailboxes, those added later too).',
  );
const description = z.string().trim().max(200, 'At most 200 characters.');

export const createInput = (allowPrivate: boolean) =>
  z.strictObject({
    url: endpointUrl(allowPrivate),
    eventTypes,
    mailboxId: mailboxId.optional().transform((v) => v || null),
    description: description.optional().default(''),
  });

export const updateInput = (allowPrivate: boolean) =>
  z.strictObject({
    url: endpointUrl(allowPrivate).optional(),
    eventTypes: eventTypes.optional(),
    mailboxId: mailboxId.optional().transform((v) => (v === '' ? null : v)),
    description: description.optional(),
    enabled: z.boolean().optional().describe('Turning it on clears why it was turned off.'),
  });

/** How long the replaced secret still signs: 0 (revoked at once, for a leaked secret) to 72 hours. */
export const rotateInput = z.strictObject({
  keepPreviousHours: z
    .number()
    .int()
    .min(0)
    .max(72, 'At most 72 hours.')
    .default(DEFAULT_KEEP_PREVIOUS_HOURS)
    .describe('How long the old secret also signs (a second `v1,` signature); 0 revokes it at once.'),
});

export type CreateInput = z.infer<ReturnType<typeof createInput>>;
export type UpdateInput = z.infer<ReturnType<typeof updateInput>>;

/** Zod's issues as `{ field: message }`, for AppError fields and the page's form. */
export const fieldsOf = (error: z.ZodError): Record<string, string> =>
  Object.fromEntries(error.issues.map((i) => [String(i.path[0] ?? 'body'), i.message]));

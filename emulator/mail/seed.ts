import { randomBytes } from 'node:crypto';
import { deliverMany, type MailStoreLayout, type MessageFlag } from './maildir.ts';

export interface GeneratedMessageOptions {
  readonly from?: string;
  readonly to: string;
  readonly subject?: string;
  /** Approximate body size in bytes (default ~4 KB like the measured rig). */
  readonly bodyBytes?: number;
  /**
   * Header fields of about this many bytes added before the envelope's, as Exchange Online adds its
   * Received, ARC and X-MS-Exchange-… fields (~5–10 KB a message); none by default.
   */
  readonly headerBytes?: number;
  readonly date?: Date;
}

const FILLER = 'lorem ipsum dolor sit amet '.repeat(2);

/** A plain-text RFC 5322 message with a unique Message-ID. */
export const generateMessage = (n: number, options: GeneratedMessageOptions): Buffer => {
  const date = options.date ?? new Date(Date.now() - n * 60_000);
  const id = `${randomBytes(9).toString('hex')}.${n}@emulator.mailroom.test`;
  const lineCount = Math.max(1, Math.round((options.bodyBytes ?? 3600) / 72));
  // Built as one string (10,000 messages are seeded in a request; an array per message cost half the time).
  let text =
    transportFields(n, options.headerBytes ?? 0) +
    `From: ${options.from ?? 'Seeder <seeder@example.net>'}\r\n` +
    `To: ${options.to}\r\n` +
    `Subject: ${options.subject ?? `Seeded message ${n}`}\r\n` +
    `Date: ${date.toUTCString().replace('GMT', '+0000')}\r\n` +
    `Message-ID: <${id}>\r\n` +
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n';
  for (let i = 1; i <= lineCount; i++)
    text += `Line ${i} of message ${n}: ${FILLER}${i < lineCount ? '\r\n' : ''}`;
  return Buffer.from(`${text}\r\n`);
};

/** Exchange-like header fields of about `bytes` bytes (lines of ~100), different for each message. */
const transportFields = (n: number, bytes: number): string => {
  let fields = '';
  for (let i = 0; fields.length < bytes; i++)
    fields += `X-MS-Exchange-Seeded-${i}: ${n.toString(16).padStart(8, '0')}${'0123456789abcdef'.repeat(4)}${i}\r\n`;
  return fields;
};

export interface SeedRequest {
  readonly address: string;
  readonly folder: string;
  /** Given messages (RFC 5322), delivered as they are. */
  readonly messages?: readonly Buffer[];
  /** Or this many generated messages. */
  readonly count?: number;
  readonly flags?: readonly MessageFlag[];
  readonly bodyBytes?: number;
  readonly headerBytes?: number;
}

/** Puts messages straight into the folder's Maildir: thousands per second (mail-test-rig.md §2). */
export const seedFolder = (layout: MailStoreLayout, request: SeedRequest): number => {
  const { address, folder, flags } = request;
  const given = request.messages ?? [];
  const count = request.count ?? 0;
  const generated = function* () {
    for (let n = 1; n <= count; n++)
      yield generateMessage(n, {
        to: address,
        ...(request.bodyBytes ? { bodyBytes: request.bodyBytes } : {}),
        ...(request.headerBytes ? { headerBytes: request.headerBytes } : {}),
      });
  };
  return (
    (given.length > 0 ? deliverMany(layout, address, folder, given, flags) : 0) +
    (count > 0 ? deliverMany(layout, address, folder, generated(), flags) : 0)
  );
};

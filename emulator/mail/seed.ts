import { randomBytes } from 'node:crypto';
import { deliverToFolder, type MailStoreLayout, type MessageFlag } from './maildir.ts';

export interface GeneratedMessageOptions {
  readonly from?: string;
  readonly to: string;
  readonly subject?: string;
  /** Approximate body size in bytes (default ~4 KB like the measured rig). */
  readonly bodyBytes?: number;
  readonly date?: Date;
}

/** A plain-text RFC 5322 message with a unique Message-ID. */
export const generateMessage = (n: number, options: GeneratedMessageOptions): Buffer => {
  const date = options.date ?? new Date(Date.now() - n * 60_000);
  const id = `${randomBytes(9).toString('hex')}.${n}@emulator.mailroom.test`;
  const lineCount = Math.max(1, Math.round((options.bodyBytes ?? 3600) / 72));
  const body = Array.from(
    { length: lineCount },
    (_, i) => `Line ${i + 1} of message ${n}: ${'lorem ipsum dolor sit amet '.repeat(2)}`,
  ).join('\r\n');
  return Buffer.from(
    [
      `From: ${options.from ?? 'Seeder <seeder@example.net>'}`,
      `To: ${options.to}`,
      `Subject: ${options.subject ?? `Seeded message ${n}`}`,
      `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${id}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      '',
    ].join('\r\n'),
  );
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
}

/** Puts messages straight into the folder's Maildir: thousands per second (mail-test-rig.md §2). */
export const seedFolder = (layout: MailStoreLayout, request: SeedRequest): number => {
  const given = request.messages ?? [];
  for (const message of given)
    deliverToFolder(layout, request.address, request.folder, message, request.flags);
  const count = request.count ?? 0;
  for (let n = 1; n <= count; n++) {
    const message = generateMessage(n, {
      to: request.address,
      ...(request.bodyBytes ? { bodyBytes: request.bodyBytes } : {}),
    });
    deliverToFolder(layout, request.address, request.folder, message, request.flags);
  }
  return given.length + count;
};

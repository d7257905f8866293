import { SUPPORT } from './mailbox-setup.ts';

/** A plain RFC 5322 message from a customer to support@, as the emulator's control API delivers it. */
export const customerMessage = (subject: string, date: string) =>
  [
    'From: Customer <customer@example.net>',
    `To: ${SUPPORT}`,
    `Subject: ${subject}`,
    `Date: ${date}`,
    `Message-ID: <${subject.replace(/\W+/g, '-')}.${Date.now()}@example.net>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `The body of ${subject}.`,
    '',
  ].join('\r\n');

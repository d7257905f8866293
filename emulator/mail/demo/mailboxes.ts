// What each demo mailbox holds: about three dozen messages over the last six weeks for a person, and the
// shared support@ mailbox's customer conversations. Hours are counted back from the emulator's now.
import { CAST } from './cast.ts';
import { type DemoMessage, type Owner, thread } from './letter.ts';
import {
  figures,
  german,
  invoice,
  japanese,
  meeting,
  newsletter,
  note,
  photos,
  screenshot,
} from './pieces.ts';

const DAY = 24;

/** The pieces both kinds of mailbox get: six weekly newsletters, invoices, a notice from IT. */
const common = (owner: Owner, now: number): DemoMessage[] => [
  ...[0, 1, 2, 3, 4, 5].map((week) =>
    newsletter(owner, 48 - week, now, { hoursAgo: week * 7 * DAY + 30 + week }),
  ),
  invoice(owner, '2026-0917', 'USD 1,240.00', now, { hoursAgo: 36 * DAY + 2 }),
  invoice(owner, '2026-1103', 'USD 1,240.00', now, { hoursAgo: 5 * DAY + 3 }),
  note(
    owner,
    'maintenance',
    CAST.it,
    'Scheduled maintenance on Saturday 06:00-08:00 UTC',
    'Hello,\n\nOn Saturday between 06:00 and 08:00 UTC the VPN and the file shares are unavailable while we update them.\nMail is not affected.\n\nContoso IT',
    now,
    { hoursAgo: 25 * DAY + 6 },
  ),
];

/** A person's mailbox (Adele, Megan, Alex): customers, colleagues, files, an invitation, two languages. */
export const personalMail = (owner: Owner, now: number): DemoMessage[] => {
  const me = owner;
  return [
    ...common(owner, now),
    ...thread(owner, 'order-4821', 'Order 4821 arrived with a cracked case', now, [
      {
        from: CAST.nestor,
        hoursAgo: 20 * DAY + 5,
        text: 'Hi,\n\nOur order 4821 arrived this morning, but one of the monitor cases is cracked on the left side.\nCan you send a replacement?\n\nNestor Wilke\nTailspin Toys',
      },
      {
        from: me,
        hoursAgo: 20 * DAY + 2,
        text: `Hi Nestor,\n\nSorry about that. Could you send a photo of the case and the label on the box?\n\n${me.name}`,
      },
      {
        from: CAST.nestor,
        hoursAgo: 19 * DAY + 20,
        text: 'Sure, the label says batch 2026-41-B. The crack is about 5 cm long.',
      },
      {
        from: me,
        hoursAgo: 19 * DAY + 18,
        text: `Thanks Nestor, a replacement is on its way; you will get the tracking number by mail.\n\n${me.name}`,
      },
      {
        from: CAST.nestor,
        hoursAgo: 12 * DAY + 4,
        text: 'The replacement arrived today and it is perfect. Thanks for the quick help!',
        flags: ['\\Seen', '\\Answered'],
      },
    ]),
    note(
      owner,
      'tracking-4821',
      CAST.shipping,
      'Your parcel 1Z 999 4821 is on its way',
      'Your parcel from Contoso Ltd. to Tailspin Toys left our depot.\nTracking number: 1Z 999 4821\nExpected delivery: in 2 working days.',
      now,
      { hoursAgo: 19 * DAY + 16 },
    ),
    ...thread(owner, 'pricing-40', 'Pricing for 40 seats', now, [
      {
        from: CAST.patti,
        hoursAgo: 3 * DAY + 7,
        text: 'Hello,\n\nWe are opening a second office and need 40 seats. Do you offer a volume discount?\n\nPatti Fernandez\nAlpine Ski House',
      },
      {
        from: me,
        hoursAgo: 3 * DAY + 1,
        text: `Hi Patti,\n\nYes: from 25 seats the price drops by 12 %. I can send a quote; when would you need the seats?\n\n${me.name}`,
      },
      // The question waiting for an answer.
      {
        from: CAST.patti,
        hoursAgo: 5,
        text: 'Thanks! We would need them by the 15th of next month. Does the discount also apply to the support plan?',
        flags: ['\\Flagged'],
      },
    ]),
    figures(owner, now, { hoursAgo: 9 * DAY + 3, flags: ['\\Seen', '\\Flagged'] }),
    screenshot(owner, 'export-bug', CAST.isaiah, 'Export button does nothing', now, {
      hoursAgo: 2 * DAY - 3,
    }),
    photos(owner, now, { hoursAgo: 15 * DAY + 8 }),
    meeting(owner, now, { hoursAgo: 26 }),
    german(owner, now, { hoursAgo: 7 * DAY + 2, flags: ['\\Seen', '\\Flagged'] }),
    japanese(owner, now, { hoursAgo: 4 * DAY + 15 }),
    note(
      owner,
      'password-expiry',
      CAST.it,
      'Your password expires in 14 days',
      `Hello ${owner.name},\n\nYour Contoso password expires in 14 days. Change it at https://account.contoso.example before then.\n\nContoso IT`,
      now,
      { hoursAgo: 30 * DAY + 1 },
    ),
    ...thread(owner, 'team-lunch', 'Team lunch on Friday?', now, [
      {
        from: CAST.lee,
        hoursAgo: 10 * DAY + 4,
        text: 'Hi all,\n\nShall we try the new Thai place on Friday at 12:30? Reply if you are in.\n\nLee',
      },
      { from: me, hoursAgo: 10 * DAY + 3, text: 'Count me in!' },
      { from: CAST.lee, hoursAgo: 10 * DAY + 1, text: 'Great, table for six booked.' },
    ]),
    note(
      owner,
      'welcome',
      CAST.diego,
      'Welcome to the sales team',
      `Hi ${owner.name.split(' ')[0]},\n\nWelcome aboard! Your first week's plan is on the team site; ask me anything.\n\nDiego`,
      now,
      { hoursAgo: 41 * DAY + 2 },
    ),
    // The weekly sales report an internal system sends every Monday.
    ...[0, 1, 2, 3, 4].map((week) =>
      note(
        owner,
        `sales-report-${week}`,
        CAST.reports,
        `Weekly sales report: week ${44 - week}`,
        `Orders: ${120 + week * 7}\nRevenue: USD ${(48_200 + week * 1_350).toLocaleString('en-US')}\nOpen quotes: ${14 - week}\n\nThe full report is on the sales dashboard.`,
        now,
        { hoursAgo: week * 7 * DAY + 60 },
      ),
    ),
    note(
      owner,
      'office-closed',
      CAST.lee,
      'Office closed on the 24th',
      'Hi all,\n\nA reminder that the office is closed on the 24th; the support rota is on the team site.\n\nLee',
      now,
      { hoursAgo: 6 * DAY + 2 },
    ),
    note(
      owner,
      'thanks-tailspin',
      CAST.nestor,
      'Thank you!',
      'Just wanted to say thanks again for sorting out the replacement so quickly. We will order the next batch from you too.\n\nNestor',
      now,
      { hoursAgo: 11 * DAY + 9 },
    ),
    note(
      owner,
      'expenses',
      CAST.diego,
      'Expense reports due Friday',
      'Reminder: expense reports for last month are due this Friday. Receipts as PDF, please.',
      now,
      { hoursAgo: 17 * DAY + 5 },
    ),
  ];
};

/** The shared support@ mailbox: customer conversations, one of them waiting for an answer. */
export const supportMail = (box: Owner, now: number): DemoMessage[] => [
  ...common(box, now),
  ...thread(box, 'signin-reset', 'Cannot sign in after changing my password', now, [
    {
      from: CAST.isaiah,
      hoursAgo: 27 * DAY + 3,
      text: 'Hello support,\n\nSince I changed my password yesterday the portal says "account locked". What can I do?\n\nIsaiah Langer\nWoodgrove Bank',
    },
    {
      from: box,
      hoursAgo: 27 * DAY + 1,
      text: 'Hello Isaiah,\n\nI have unlocked your account; please sign in again and tell us if it works.\n\nContoso Support',
    },
    { from: CAST.isaiah, hoursAgo: 26 * DAY + 20, text: 'It works again, thank you.' },
  ]),
  ...thread(box, 'refund-5532', 'Refund for order 5532', now, [
    {
      from: CAST.patti,
      hoursAgo: 8 * DAY + 6,
      text: 'Hi,\n\nWe returned two desks from order 5532 last week (RMA 7781). When will the refund reach us?\n\nPatti',
    },
    {
      from: box,
      hoursAgo: 8 * DAY + 2,
      text: 'Hi Patti,\n\nThe desks arrived at our warehouse; the refund of USD 980.00 is issued within 5 working days.\n\nContoso Support',
    },
    {
      from: CAST.patti,
      hoursAgo: 2 * DAY + 4,
      text: 'It has been more than 5 working days and we have not seen the refund yet. Could you check?',
      flags: ['\\Seen', '\\Flagged'],
    },
  ]),
  ...thread(box, 'rechnung-118', 'Frage zur Rechnung 2026-118', now, [
    {
      from: CAST.juergen,
      hoursAgo: 13 * DAY + 5,
      charset: 'iso-8859-1',
      text: 'Guten Tag,\n\nauf der Rechnung 2026-118 ist die Mehrwertsteuer doppelt berechnet. Könnten Sie das prüfen?\n\nMit freundlichen Grüßen\nJürgen Müller',
    },
    {
      from: box,
      hoursAgo: 13 * DAY + 1,
      charset: 'iso-8859-1',
      text: 'Guten Tag Herr Müller,\n\nSie haben recht; die korrigierte Rechnung folgt heute.\n\nFreundliche Grüße\nContoso Support',
    },
    {
      from: CAST.juergen,
      hoursAgo: 12 * DAY + 20,
      charset: 'iso-8859-1',
      text: 'Vielen Dank, die Rechnung ist angekommen.',
    },
  ]),
  german(box, now, { hoursAgo: 6 * DAY + 4 }),
  japanese(box, now, { hoursAgo: 3 * DAY + 9, flags: [] }),
  screenshot(box, 'export-bug-support', CAST.nestor, 'Export button does nothing', now, { hoursAgo: 30 }),
  // The newest question, nobody has answered it yet.
  note(
    box,
    'ship-norway',
    CAST.kari,
    'Do you ship to Norway?',
    'Hello,\n\nWe would like to order 12 standing desks for our studio in Bergen. Do you ship to Norway, and what does delivery cost?\n\nKari Nordmann\nFjord Design',
    now,
    { hoursAgo: 3 },
  ),
  ...Array.from({ length: 12 }, (_, i) =>
    note(
      box,
      `webform-${1040 + i}`,
      CAST.webform,
      `New contact form submission #${1040 + i}`,
      `A visitor filled in the contact form.\n\nTopic: ${['Sales', 'Delivery', 'Invoice', 'Returns'][i % 4]}\nMessage: ${
        [
          'Please call me back about a quote.',
          'Where is my parcel?',
          'I need a copy of my invoice.',
          'How do I return a chair?',
        ][i % 4]
      }\nReference: WF-${1040 + i}`,
      now,
      { hoursAgo: (40 - i * 3.3) * DAY },
    ),
  ),
];

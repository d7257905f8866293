// The single messages of the demo seed (newsletters, invoices, files, an invitation, mail in German and
// Japanese, notices), each written for one owner at a time before the emulator's now.
import { CAST, type Person } from './cast.ts';
import { chartPng, invitation, pdf, photoPng, xlsx } from './files.ts';
import { type DemoMessage, defaultFlags, type Owner, type When, writeLetter } from './letter.ts';
import { base64TextEntity, type Entity, fileEntity, multipart, textEntity } from './mime.ts';

const local = (owner: Owner) => owner.address.split('@')[0]!;
const first = (owner: Owner) => owner.name.split(' ')[0]!;

const single = (
  owner: Owner,
  key: string,
  from: Person,
  subject: string,
  now: number,
  when: When,
  body: Entity,
  extra: { charset?: 'utf-8' | 'iso-8859-1'; headers?: readonly (readonly [string, string])[] } = {},
): DemoMessage => {
  const at = new Date(now - when.hoursAgo * 3_600_000);
  return {
    folder: 'INBOX',
    receivedAt: at,
    flags: when.flags ?? defaultFlags(when.hoursAgo),
    raw: writeLetter({
      id: `${key}.${local(owner)}@${from.host}`,
      from,
      to: [owner],
      subject,
      at,
      body,
      ...(extra.charset ? { charset: extra.charset } : {}),
      ...(extra.headers ? { extra: extra.headers } : {}),
    }),
  };
};

const PRODUCTS = [
  ['Ergonomic chair', 'ergonomic-chair'],
  ['Standing desk', 'standing-desk'],
  ['Monitor arm', 'monitor-arm'],
  ['Desk lamp', 'desk-lamp'],
  ['Cable tray', 'cable-tray'],
  ['Footrest', 'footrest'],
] as const;

/** Issue `n` of a weekly HTML newsletter whose pictures are on the sender's web server (remote images). */
export const newsletter = (owner: Owner, n: number, now: number, when: When): DemoMessage => {
  const base = 'https://news.northwindtraders.example';
  const featured = [PRODUCTS[n % 6]!, PRODUCTS[(n + 2) % 6]!, PRODUCTS[(n + 4) % 6]!];
  const html = `<!doctype html><html><body style="margin:0;background:#f4f1ea;font-family:Georgia,serif">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table width="600" cellpadding="16" cellspacing="0" style="background:#ffffff">
<tr><td><img src="${base}/img/masthead.png" width="568" height="90" alt="Northwind Traders Weekly"></td></tr>
<tr><td><h1 style="color:#7a3e0c;margin:0">Issue ${n}: new in the warehouse</h1>
<p>Hello ${first(owner)}, here is what arrived this week.</p></td></tr>
${featured
  .map(
    ([
      name,
      slug,
    ]) => `<tr><td><img src="${base}/img/${slug}.jpg" width="180" height="120" alt="${name}" style="float:left;margin-right:12px">
<h2 style="margin:0;color:#333">${name}</h2><p>In stock from Monday. <a href="${base}/p/${slug}?utm_source=newsletter&amp;issue=${n}">See the ${name.toLowerCase()}</a></p></td></tr>`,
  )
  .join('\n')}
<tr><td style="font-size:12px;color:#888">You receive this because you subscribed at northwindtraders.example.
<a href="${base}/unsubscribe">Unsubscribe</a><img src="${base}/open.gif?issue=${n}&amp;r=${local(owner)}" width="1" height="1" alt=""></td></tr>
</table></td></tr></table></body></html>`;
  const text = `Northwind Traders Weekly, issue ${n}\n\nNew in the warehouse: ${featured.map(([name]) => name).join(', ')}.\n\nRead it online: ${base}/issues/${n}\nUnsubscribe: ${base}/unsubscribe`;
  return single(
    owner,
    `newsletter-${n}`,
    CAST.news,
    `Northwind Traders Weekly #${n}: ${featured[0]![0]}s are back`,
    now,
    when,
    multipart('alternative', `nw-alt-${n}`, [textEntity(text), textEntity(html, 'html')]),
    { headers: [['List-Unsubscribe', `<${base}/unsubscribe>`]] },
  );
};

/** A supplier's invoice with its PDF. */
export const invoice = (owner: Owner, number: string, amount: string, now: number, when: When): DemoMessage =>
  single(
    owner,
    `invoice-${number}`,
    CAST.billing,
    `Invoice ${number} from Litware`,
    now,
    when,
    multipart('mixed', `inv-${number}`, [
      textEntity(
        `Dear Contoso team,\n\nPlease find attached invoice ${number} for ${amount}, due in 30 days.\n\nKind regards,\nLitware Billing`,
      ),
      fileEntity({
        name: `Invoice-${number}.pdf`,
        type: 'application/pdf',
        bytes: pdf(`Invoice ${number}`, [
          'Litware Inc., 1 Harbour Road, Seattle',
          `Bill to: Contoso Ltd. (${owner.address})`,
          '',
          `Cloud backup, 40 seats ........ ${amount}`,
          'Payment due within 30 days.',
        ]),
      }),
    ]),
  );

/** A colleague's spreadsheet of the quarter's figures. */
export const figures = (owner: Owner, now: number, when: When): DemoMessage =>
  single(
    owner,
    'q3-figures',
    CAST.diego,
    'Q3 figures for the review',
    now,
    when,
    multipart('mixed', 'q3-mixed', [
      textEntity(
        `Hi ${first(owner)},\n\nAttached are the Q3 figures by region. Could you check the EMEA row before Thursday?\n\nThanks,\nDiego`,
      ),
      fileEntity({
        name: 'Q3 figures.xlsx',
        type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        bytes: xlsx('Q3', [
          ['Region', 'July', 'August', 'September', 'Total'],
          ['Americas', 182_400, 176_950, 201_300, 560_650],
          ['EMEA', 143_200, 120_800, 158_900, 422_900],
          ['Asia Pacific', 98_700, 104_250, 111_600, 314_550],
        ]),
      }),
    ]),
  );

/** A customer's bug report with a screenshot attached as PNG. */
export const screenshot = (
  owner: Owner,
  key: string,
  from: Person,
  subject: string,
  now: number,
  when: When,
): DemoMessage =>
  single(
    owner,
    key,
    from,
    subject,
    now,
    when,
    multipart('mixed', `${key}-mixed`, [
      textEntity(
        `Hello,\n\nWhen I press Export on the reports page nothing happens; the screenshot shows what I see.\nIt worked last week. Could you have a look?\n\nBest,\n${from.name}`,
      ),
      fileEntity({
        name: 'screenshot.png',
        type: 'image/png',
        bytes: chartPng([0.3, 0.5, 0.45, 0.8, 0.2], [220, 38, 38]),
      }),
    ]),
  );

/** HTML with a picture inline (`cid:`), as a phone's mail app sends a photo. */
export const photos = (owner: Owner, now: number, when: When): DemoMessage =>
  single(
    owner,
    'offsite-photos',
    CAST.lee,
    'Photos from the offsite',
    now,
    when,
    multipart(
      'related',
      'offsite-related',
      [
        multipart('alternative', 'offsite-alt', [
          textEntity('Hi all,\n\nWhat a view from the terrace! More photos on the team site.\n\nLee'),
          textEntity(
            '<html><body style="font-family:Segoe UI,Arial,sans-serif"><p>Hi all,</p><p>What a view from the terrace!</p>' +
              '<p><img src="cid:terrace@lee.contoso.example" width="200" height="130" alt="The view from the terrace"></p>' +
              '<p>More photos on the team site.</p><p>Lee</p></body></html>',
            'html',
          ),
        ]),
        fileEntity(
          { name: 'terrace.png', type: 'image/png', bytes: photoPng() },
          { contentId: 'terrace@lee.contoso.example' },
        ),
      ],
      '; type="multipart/alternative"',
    ),
  );

/** A meeting request: text for people, text/calendar (METHOD=REQUEST) for their calendar. */
export const meeting = (owner: Owner, now: number, when: When): DemoMessage => {
  // Next week, 14:00 UTC on the day six days after the invitation arrives, whatever now is.
  const day = new Date(now - when.hoursAgo * 3_600_000 + 6 * 86_400_000);
  day.setUTCHours(14, 0, 0, 0);
  const ics = invitation({
    uid: `qbr-${local(owner)}@contoso.example`,
    summary: 'Quarterly business review',
    location: 'Room 4.12 / Teams',
    start: day,
    minutes: 60,
    organizer: { name: CAST.diego.name, address: CAST.diego.address },
    attendees: [owner, { name: CAST.lee.name, address: CAST.lee.address }],
    stamp: new Date(now - when.hoursAgo * 3_600_000),
  });
  return single(
    owner,
    'qbr-invite',
    CAST.diego,
    'Invitation: Quarterly business review',
    now,
    when,
    multipart('mixed', 'qbr-mixed', [
      multipart('alternative', 'qbr-alt', [
        textEntity(
          `Quarterly business review\nWhen: ${day.toUTCString()} (60 minutes)\nWhere: Room 4.12 / Teams\n\nWe go through the Q3 figures and plan Q4.`,
        ),
        {
          headers: [
            ['Content-Type', 'text/calendar; charset=utf-8; method=REQUEST'],
            ['Content-Transfer-Encoding', '7bit'],
          ],
          body: ics,
        },
      ]),
      { ...fileEntity({ name: 'invite.ics', type: 'application/ics', bytes: Buffer.from(ics) }) },
    ]),
  );
};

/** A German customer's question in ISO-8859-1, quoted-printable, its subject in encoded-words. */
export const german = (owner: Owner, now: number, when: When): DemoMessage =>
  single(
    owner,
    'rueckfrage-4711',
    CAST.juergen,
    'Rückfrage zur Lieferung - Bestellung 4711',
    now,
    when,
    textEntity(
      `Sehr geehrte Damen und Herren,\n\nvielen Dank für die schnelle Lieferung. Leider fehlen zwei Stühle (Größe L);\nkönnten Sie uns mitteilen, wann diese nachgeliefert werden?\n\nMit freundlichen Grüßen\nJürgen Müller\nBeispiel GmbH, Münchner Straße 12, 80331 München`,
      'plain',
      'iso-8859-1',
    ),
    { charset: 'iso-8859-1' },
  );

/** A Japanese customer's request for a quote, UTF-8 in base64, its subject in encoded-words. */
export const japanese = (owner: Owner, now: number, when: When): DemoMessage =>
  single(
    owner,
    'mitsumori',
    CAST.yamada,
    'お見積りのご依頼について（オフィスチェア20脚）',
    now,
    when,
    base64TextEntity(
      'コントソ株式会社\nご担当者様\n\nいつもお世話になっております。さくら商事の山田です。\nオフィスチェア20脚のお見積りをお願いできますでしょうか。\n納期もあわせてご教示いただけますと幸いです。\n\nよろしくお願いいたします。\n山田 太郎',
    ),
  );

/** A short plain-text message. */
export const note = (
  owner: Owner,
  key: string,
  from: Person,
  subject: string,
  text: string,
  now: number,
  when: When,
) => single(owner, key, from, subject, now, when, textEntity(text));

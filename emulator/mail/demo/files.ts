// Small but valid files for the demo mail, made here rather than copied: a PNG, a one-page PDF, an XLSX
// workbook (a ZIP of SpreadsheetML parts) and an iCalendar invitation.
import { crc32, deflateSync } from 'node:zlib';

export interface DemoFile {
  readonly name: string;
  readonly type: string;
  readonly bytes: Buffer;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

const chunk = (type: string, data: Buffer): Buffer => {
  const head = Buffer.from(type, 'ascii');
  return Buffer.concat([u32(data.length), head, data, u32(crc32(Buffer.concat([head, data])))]);
};

/** An RGB PNG (ISO/IEC 15948) whose pixels `paint(x, y)` gives. */
export const png = (
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number],
): Buffer => {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set(paint(x, y), 1 + x * 3);
    rows.push(row);
  }
  const header = Buffer.concat([u32(width), u32(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
};

/** A bar chart of `values` (0..1) on white, in `colour`. */
export const chartPng = (values: readonly number[], colour: [number, number, number]): Buffer => {
  const width = 240;
  const height = 120;
  const bar = Math.floor(width / values.length);
  return png(width, height, (x, y) => {
    const value = values[Math.min(values.length - 1, Math.floor(x / bar))] ?? 0;
    const inBar = x % bar > 3 && x % bar < bar - 3 && height - y < value * (height - 10);
    return inBar ? colour : y === height - 1 ? [120, 120, 120] : [255, 255, 255];
  });
};

/** A "photo": a sky-to-grass gradient with a sun, as a small landscape. */
export const photoPng = (): Buffer =>
  png(200, 130, (x, y) => {
    if ((x - 150) ** 2 + (y - 35) ** 2 < 18 ** 2) return [250, 204, 21];
    if (y > 85 + Math.round(8 * Math.sin(x / 25))) return [34 + (y % 7), 120 + (x % 11), 60];
    return [120 + Math.round(y * 0.8), 170 + Math.round(y * 0.5), 235];
  });

const pdfEscape = (s: string): string => s.replace(/[\\()]/g, '\\$&');

/** A one-page PDF 1.4 with `lines` in Helvetica; the cross-reference table points at each object. */
export const pdf = (title: string, lines: readonly string[]): Buffer => {
  const text = [
    'BT /F1 18 Tf 56 780 Td',
    `(${pdfEscape(title)}) Tj`,
    '/F1 11 Tf 0 -30 Td 14 TL',
    ...lines.map((l) => `(${pdfEscape(l)}) '`),
    'ET',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Title (${pdfEscape(title)}) /Producer (Mailroom emulator) >>`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
};

const u16le = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** A ZIP archive (APPNOTE 6.3) of stored entries, dated 1 January 2026 so the bytes never change. */
export const zip = (entries: readonly { readonly name: string; readonly data: Buffer }[]): Buffer => {
  const time = 0;
  const date = ((2026 - 1980) << 9) | (1 << 5) | 1;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const common = Buffer.concat([
      u16le(20),
      u16le(0),
      u16le(0),
      u16le(time),
      u16le(date),
      u32le(crc),
      u32le(data.length),
      u32le(data.length),
      u16le(fileName.length),
      u16le(0),
    ]);
    const local = Buffer.concat([u32le(0x04034b50), common, fileName, data]);
    centrals.push(
      Buffer.concat([
        u32le(0x02014b50),
        u16le(20),
        common,
        u16le(0),
        u16le(0),
        u16le(0),
        u32le(0),
        u32le(offset),
        fileName,
      ]),
    );
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.concat([
    u32le(0x06054b50),
    u16le(0),
    u16le(0),
    u16le(entries.length),
    u16le(entries.length),
    u32le(directory.length),
    u32le(offset),
    u16le(0),
  ]);
  return Buffer.concat([...locals, directory, end]);
};

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const column = (i: number): string => String.fromCharCode(65 + i);

/** An XLSX workbook (ECMA-376) of one sheet: strings inline, numbers as numbers. */
export const xlsx = (sheetName: string, rows: readonly (readonly (string | number)[])[]): Buffer => {
  const cells = rows
    .map(
      (row, r) =>
        `<row r="${r + 1}">${row
          .map((v, c) =>
            typeof v === 'number'
              ? `<c r="${column(c)}${r + 1}"><v>${v}</v></c>`
              : `<c r="${column(c)}${r + 1}" t="inlineStr"><is><t>${xml(v)}</t></is></c>`,
          )
          .join('')}</row>`,
    )
    .join('');
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const part = (name: string, text: string) => ({ name, data: Buffer.from(head + text, 'utf8') });
  return zip([
    part(
      '[Content_Types].xml',
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
        '</Types>',
    ),
    part(
      '_rels/.rels',
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    part(
      'xl/workbook.xml',
      `<workbook xmlns="${main}" xmlns:r="${rel}"><sheets><sheet name="${xml(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    part(
      'xl/_rels/workbook.xml.rels',
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ),
    part(
      'xl/worksheets/sheet1.xml',
      `<worksheet xmlns="${main}"><sheetData>${cells}</sheetData></worksheet>`,
    ),
  ]);
};

const icsTime = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** An iCalendar (RFC 5545) meeting request, METHOD:REQUEST as Outlook sends invitations. */
export const invitation = (event: {
  readonly uid: string;
  readonly summary: string;
  readonly location: string;
  readonly start: Date;
  readonly minutes: number;
  readonly organizer: { readonly name: string; readonly address: string };
  readonly attendees: readonly { readonly name: string; readonly address: string }[];
  readonly stamp: Date;
}): string =>
  [
    'BEGIN:VCALENDAR',
    'PRODID:-//Mailroom//Emulator demo//EN',
    'VERSION:2.0',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${event.uid}`,
    `DTSTAMP:${icsTime(event.stamp)}`,
    `DTSTART:${icsTime(event.start)}`,
    `DTEND:${icsTime(new Date(event.start.getTime() + event.minutes * 60_000))}`,
    `SUMMARY:${event.summary}`,
    `LOCATION:${event.location}`,
    `ORGANIZER;CN=${event.organizer.name}:mailto:${event.organizer.address}`,
    ...event.attendees.map(
      (a) => `ATTENDEE;CN=${a.name};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a.address}`,
    ),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

import { MEGAN } from './mailbox-setup.ts';

/** An RFC 5322 message (CRLF line ends, §2.1) to Megan. */
export const rfc5322 = (headers: Record<string, string>, body: string): string =>
  `${Object.entries({ To: `Megan Bowen <${MEGAN}>`, 'MIME-Version': '1.0', ...headers })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`;

/** HTML carrying every trick a reading frame must defeat; `pixel` is where its remote image points. */
export const hostileHtmlMessage = (pixel: string): string =>
  rfc5322(
    {
      From: 'Mallory <mallory@fabrikam.test>',
      Subject: 'Your account statement',
      'Message-ID': '<statement-1@fabrikam.test>',
      'Content-Type': 'multipart/alternative; boundary="alt"',
    },
    `--alt
Content-Type: text/plain; charset=utf-8

Your statement is ready.
--alt
Content-Type: text/html; charset=utf-8

<html><head><meta http-equiv="refresh" content="0;url=${pixel}?refresh"><base href="${pixel}/base/">
<style>body{font-family:Georgia} .hero{background:url(${pixel}?css)}</style>
<script>window.pwned = true; fetch('${pixel}?script'); alert('script');</script></head>
<body onload="window.pwned = true; fetch('${pixel}?onload')">
<h1 class="hero">Your statement is ready</h1>
<p id="greeting">Dear customer, <b>nothing</b> is wrong.</p>
<img src="${pixel}" alt="tracking pixel" width="1" height="1">
<img src="x" onerror="window.pwned = true; fetch('${pixel}?onerror')">
<svg onload="window.pwned = true"><circle r="5"/></svg>
<a href="javascript:window.pwned=true">Claim</a> <a href="https://example.org/help">Help</a>
<form action="${pixel}?form"><input name="password"><button>Log in</button></form>
<div style="width: expression(alert(1)); color: #b42318">Red text</div>
<iframe src="${pixel}?iframe"></iframe>
</body></html>
--alt--
`,
  );

/**
 * The special messages of the reading tests: a thread of three (its end in Archive), an invoice with
 * attachments, a message to find by its body, and the hostile HTML.
 */
export const readingMessages = (pdf: Buffer, pixel: string): { inbox: string[]; archive: string[] } => {
  const thread = (n: number, refs: string[], from: string) =>
    rfc5322(
      {
        From: from,
        Subject: n === 1 ? 'Project kickoff' : 'Re: Project kickoff',
        'Message-ID': `<kickoff-${n}@contoso.example>`,
        ...(refs.length ? { 'In-Reply-To': refs.at(-1)!, References: refs.join(' ') } : {}),
        'Content-Type': 'text/plain; charset=utf-8',
      },
      `Kickoff message ${n}.\n`,
    );
  const invoice = rfc5322(
    {
      From: 'Zoë Quartermaine <zoe@fabrikam.test>',
      Cc: 'auditor@fabrikam.test',
      Subject: 'Invoice 2026-114',
      'Message-ID': '<invoice-114@fabrikam.test>',
      'Content-Type': 'multipart/mixed; boundary="mix"',
    },
    `--mix
Content-Type: text/plain; charset=utf-8

Please find the invoice attached.
--mix
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="invoice.pdf"
Content-Transfer-Encoding: base64

${pdf.toString('base64').replace(/.{76}/g, '$&\n')}
--mix
Content-Type: text/html; charset=utf-8
Content-Disposition: attachment; filename="page.html"

<script>alert('downloaded page')</script>
--mix
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.txt

A résumé.
--mix--
`,
  );
  const fruit = rfc5322(
    { From: 'Depot <depot@contoso.example>', Subject: 'Delivery status', 'Message-ID': '<fruit@x.test>' },
    'The PINEAPPLE shipment is late.\n',
  );
  const adele = 'Adele Vance <adele@contoso.example>';
  const inbox = [
    thread(1, [], adele),
    thread(2, ['<kickoff-1@contoso.example>'], 'Ben <ben@contoso.example>'),
    invoice,
    fruit,
    hostileHtmlMessage(pixel),
  ];
  return {
    inbox,
    archive: [thread(3, ['<kickoff-1@contoso.example>', '<kickoff-2@contoso.example>'], adele)],
  };
};

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { MAX_SHOWN_HTML } from '../../src/reading/display-html.ts';
import { syncMailbox } from '../../src/sync/sync-mailbox.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { Browser } from '../support/http-client.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  LOCAL_PASSWORD,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';
import { rfc5322 } from '../support/reading-messages.ts';

// A 5 MB HTML newsletter opened by twenty people at once must not stall Mailroom for anyone: the HTML
// shown is cut to a bound (the page says so and offers the whole), it is sanitised once, and not on the
// thread that answers requests. Before: sanitised twice per view on that thread, about a second each.

const OPENS = 20;
const ROUNDS = 4;

/** About 5 MB of the HTML a newsletter is made of: a table of products with styles, links and images. */
const newsletterHtml = (): string => {
  const rows: string[] = [];
  let size = 0;
  for (let i = 0; size < 5_000_000; i++) {
    const row = `<tr><td style="padding:4px;color:#333;font-family:Arial">Item ${i} <a href="https://shop.example/p/${i}?utm=news">buy</a></td><td><img src="https://cdn.example/i/${i}.png" width="40" height="40" alt=""></td><td style="text-align:right">${i}.00 EUR</td></tr>`;
    rows.push(row);
    size += row.length + 1;
  }
  return `<html><head><style>td{font-size:13px}</style></head><body><h1 id="top">Winter sale</h1><table>\n${rows.join('\n')}\n</table><p id="last">The end.</p></body></html>`;
};

/**
 * Polls `url` one request after another until told to stop; answers with each request's time (ms). The
 * first request, which loads fetch into the thread, is a warm-up: 'ready' follows it.
 */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
let polling = true;
parentPort.on('message', () => { polling = false; });
(async () => {
  await (await fetch(workerData.url)).arrayBuffer();
  parentPort.postMessage('ready');
  const latencies = [];
  while (polling) {
    const start = performance.now();
    await (await fetch(workerData.url)).arrayBuffer();
    latencies.push(performance.now() - start);
  }
  parentPort.postMessage(latencies);
})();`;

/**
 * Opens the message page and its frame \`opens\` times at once, as that many readers' browsers would,
 * when told to go; 'ready' once fetch is loaded into the thread.
 */
const READERS = `
const { parentPort, workerData } = require('node:worker_threads');
const { page, cookie, opens, warmUp } = workerData;
const failures = [];
const open = async () => {
  for (const url of [page, page + '/body']) {
    const res = await fetch(url, { headers: { cookie } });
    await res.arrayBuffer();
    if (res.status !== 200) failures.push(url + ': ' + res.status);
  }
};
parentPort.once('message', () =>
  Promise.all(Array.from({ length: opens }, open)).then(() => parentPort.postMessage({ failures })),
);
fetch(warmUp).then((res) => res.arrayBuffer()).then(() => parentPort.postMessage('ready'));`;

/** A client in a worker thread of its own; `next` waits for its next message. */
const clientThread = (source: string, workerData: unknown) => {
  const worker = new Worker(source, { eval: true, workerData });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  return { worker, next };
};

/** The `p`-th percentile of `samples` (nearest rank). */
const percentile = (samples: readonly number[], p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

for (const kind of DATABASES) {
  describe(`a 5 MB HTML message opened ${OPENS} times at once on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let browser: Browser;
    /** One copy of the message per round, each under its own id: every round starts with nothing sanitised. */
    let pages: string[] = [];
    /** The reader's session cookie, for the client threads. */
    let cookie = '';
    let warmUpPage = '';
    const html = newsletterHtml();

    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      await createDemoPeople(app);
      const mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      browser = new Browser(async (url, init) => {
        cookie = String((init?.headers as Record<string, string> | undefined)?.cookie ?? cookie);
        return fetch(url, init);
      });
      const signedIn = await browser.submit(await browser.get(`${app.url}/signin`), {
        fields: { email: MEGAN, password: LOCAL_PASSWORD },
      });
      assert.equal(signedIn.status, 302);
      const messages = Array.from({ length: ROUNDS }, (_, round) =>
        rfc5322(
          {
            From: 'Shop <news@shop.example>',
            Subject: 'Winter sale',
            'Message-ID': `<winter-sale-${round}@shop.example>`,
            'Content-Type': 'text/html; charset=utf-8',
          },
          html,
        ),
      );
      // A small message opened first, so the rounds measure a warm server (compiled code, prepared
      // statements), as a running installation is.
      messages.push(
        rfc5322(
          {
            From: 'Shop <news@shop.example>',
            Subject: 'Warm-up',
            'Message-ID': '<warm-up@shop.example>',
            'Content-Type': 'text/html; charset=utf-8',
          },
          '<p>Hello</p>',
        ),
      );
      for (const message of messages) {
        const seeded = await control(emu, 'POST', '/mail/seed', {
          address: MEGAN,
          folder: 'INBOX',
          messages: [message],
        });
        assert.equal(seeded.status, 201);
      }
      await syncMailbox(app.mailroom.deps, (await findMailbox(app.mailroom.deps.db, mailboxId))!);
      pages = [];
      for (let round = 0; round < ROUNDS; round++) {
        const stored = await app.mailroom.deps.db
          .selectFrom('messages')
          .select('id')
          .where('mailbox_id', '=', mailboxId)
          .where('message_id', '=', `winter-sale-${round}@shop.example`)
          .executeTakeFirstOrThrow();
        pages.push(`${app.url}/mail/${mailboxId}/messages/${stored.id}`);
      }
      const warm = await app.mailroom.deps.db
        .selectFrom('messages')
        .select('id')
        .where('mailbox_id', '=', mailboxId)
        .where('message_id', '=', 'warm-up@shop.example')
        .executeTakeFirstOrThrow();
      warmUpPage = `${app.url}/mail/${mailboxId}/messages/${warm.id}`;
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test(`/healthz stays fast (p99) while the message is opened ${OPENS} times at once`, async (t) => {
      // The clients run in threads of their own, started before the measure: this thread is Mailroom's
      // alone. Each round measures /healthz twice under the same load of requests: while a small message is
      // opened OPENS times (the baseline of this machine, now), then while a large one, sanitised during the
      // round, is. Sanitising on the thread that answers requests took seconds, in every round; off it, the
      // large round stays under 50 ms or within a few times the baseline (the machine is shared: ratios
      // hold, absolute times do not). The best of the rounds counts.
      const rounds: string[] = [];
      await Promise.all(
        Array.from({ length: OPENS }, async () => {
          for (const url of [warmUpPage, `${warmUpPage}/body`])
            assert.equal((await browser.get(url)).status, 200);
        }),
      );
      const healthzWhileOpening = async (page: string) => {
        const readers = clientThread(READERS, { page, cookie, opens: OPENS, warmUp: `${app.url}/healthz` });
        assert.equal(await readers.next(), 'ready');
        const poller = clientThread(POLLER, { url: `${app.url}/healthz` });
        assert.equal(await poller.next(), 'ready');
        readers.worker.postMessage('go');
        const opened = (await readers.next()) as { failures: string[] };
        poller.worker.postMessage('stop');
        const latencies = (await poller.next()) as number[];
        await Promise.all([poller.worker.terminate(), readers.worker.terminate()]);
        assert.deepEqual(opened.failures, []);
        return { p99: percentile(latencies, 99), polls: latencies.length };
      };
      for (const page of pages) {
        const base = await healthzWhileOpening(warmUpPage);
        const large = await healthzWhileOpening(page);
        rounds.push(
          `p99 ${large.p99.toFixed(1)} ms over ${large.polls} polls (baseline ${base.p99.toFixed(1)} ms over ${base.polls})`,
        );
        if (large.polls >= 20 && (large.p99 < 50 || large.p99 < 4 * base.p99 + 25)) {
          t.diagnostic(rounds.join('; '));
          return;
        }
      }
      assert.fail(`no round under 50 ms or 4 × baseline + 25 ms: ${rounds.join('; ')}`);
    });

    test('the page says the HTML was cut and links to the whole of it', async () => {
      const page = pages[0]!;
      const view = await browser.get(page);
      assert.equal(view.status, 200);
      const note = /<p[^>]*id="html-cut"[^>]*>([\s\S]*?)<\/p>/.exec(view.html);
      assert.ok(note, 'a note that the HTML was cut');
      assert.match(note[1]!, /href="[^"]*\/html"/, 'a link to the whole HTML');
      const frame = await browser.get(`${page}/body`);
      assert.equal(frame.status, 200);
      assert.ok(frame.html.includes('Winter sale'), 'the beginning is shown');
      assert.ok(!frame.html.includes('The end.'), 'the end is not');
      assert.ok(frame.html.length < 2 * MAX_SHOWN_HTML, `the frame holds ${frame.html.length} characters`);
      const whole = await browser.get(`${page}/html`);
      assert.equal(whole.status, 200);
      assert.match(whole.headers.get('content-disposition') ?? '', /^attachment;/);
      assert.equal(whole.headers.get('content-type'), 'application/octet-stream');
      assert.equal(whole.html.length, html.length, 'the download is the whole HTML');
    });
  });
}

// The guide's webhook signature examples (docs/api.md, "Verifying the signature") in Node, Python and shell,
// run as written against what Mailroom signs (src/webhooks/signature.ts): each accepts Mailroom's signature
// (also beside a rotated secret's) and refuses another secret, a changed body and an old timestamp.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { generateSecret, sign } from '../../src/webhooks/signature.ts';

const run = promisify(execFile);
const API_MD = resolve(import.meta.dirname, '..', '..', 'docs', 'api.md');

/** The fenced block of `language` in the section "Verifying the signature". */
const example = (language: string): string => {
  const markdown = readFileSync(API_MD, 'utf8');
  const section = markdown.slice(markdown.indexOf('### Verifying the signature'));
  const block = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(section);
  assert.ok(block, `docs/api.md has no ${language} example under "Verifying the signature"`);
  return block[1]!;
};

interface Case {
  readonly secret: string;
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
}

const secret = generateSecret();
const previous = generateSecret();
const body = JSON.stringify({ id: 'msg_1', type: 'message.created', data: { subject: 'Grüße — 見積もり' } });
const now = () => Math.floor(Date.now() / 1000);
const signed = (over: Partial<Case> = {}): Case => {
  const timestamp = Number(over.timestamp ?? now());
  return {
    secret,
    id: 'msg_2c8f',
    timestamp: String(timestamp),
    signature: `${sign(previous, 'msg_2c8f', timestamp, body)} ${sign(secret, 'msg_2c8f', timestamp, body)}`,
    body,
    ...over,
  };
};

/** [the case, whether the example must accept it] */
const CASES: [string, Case, boolean][] = [
  ['Mailroom’s signature, beside the previous secret’s', signed(), true],
  ['the secret without its whsec_ prefix', signed({ secret: secret.slice('whsec_'.length) }), true],
  ['another secret', signed({ secret: generateSecret() }), false],
  ['a changed body', signed({ body: body.replace('Grüße', 'Grusse') }), false],
  ['a timestamp 10 minutes old', signed({ timestamp: String(now() - 600) }), false],
  ['no signature', signed({ signature: '' }), false],
];

const dir = mkdtempSync(join(tmpdir(), 'mailroom-webhook-examples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the guide’s webhook signature examples', () => {
  test('Node.js', async () => {
    const file = join(dir, 'verify.mjs');
    writeFileSync(file, example('js'));
    const { verifyWebhook } = (await import(pathToFileURL(file).href)) as {
      verifyWebhook: (secret: string, headers: Record<string, string>, raw: Buffer) => boolean;
    };
    for (const [name, c, valid] of CASES) {
      const headers = {
        'webhook-id': c.id,
        'webhook-timestamp': c.timestamp,
        'webhook-signature': c.signature,
      };
      assert.equal(verifyWebhook(c.secret, headers, Buffer.from(c.body)), valid, name);
    }
  });

  test('Python', async () => {
    writeFileSync(join(dir, 'verify_webhook.py'), example('python'));
    const driver = [
      'import json, sys',
      'from verify_webhook import verify_webhook',
      'c = json.load(sys.stdin)',
      'headers = {"webhook-id": c["id"], "webhook-timestamp": c["timestamp"], "webhook-signature": c["signature"]}',
      'print("valid" if verify_webhook(c["secret"], headers, c["body"].encode()) else "invalid")',
    ].join('\n');
    for (const [name, c, valid] of CASES) {
      const child = run('python3', ['-c', driver], { cwd: dir });
      child.child.stdin!.end(JSON.stringify(c));
      const { stdout } = await child;
      assert.equal(stdout.trim(), valid ? 'valid' : 'invalid', name);
    }
  });

  test('shell', async () => {
    const script = join(dir, 'verify.sh');
    writeFileSync(script, example('sh'));
    for (const [name, c, valid] of CASES) {
      writeFileSync(join(dir, 'body.json'), c.body);
      const env = {
        PATH: process.env.PATH,
        WEBHOOK_SECRET: c.secret,
        WEBHOOK_ID: c.id,
        WEBHOOK_TIMESTAMP: c.timestamp,
        WEBHOOK_SIGNATURE: c.signature,
      };
      const outcome = await run('bash', [script], { cwd: dir, env }).then(
        ({ stdout }) => ({ ok: true, stdout }),
        (error: { stdout: string }) => ({ ok: false, stdout: error.stdout }),
      );
      assert.equal(outcome.ok, valid, `${name}: ${outcome.stdout}`);
      if (valid) assert.equal(outcome.stdout.trim(), 'signature valid', name);
    }
  });
});

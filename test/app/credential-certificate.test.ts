import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  certificateInfo,
  GENERATED_VALIDITY_DAYS,
  generateCertificate,
  selfSignedCertificate,
} from '../../src/microsoft/credentials/certificate.ts';
import { validateCertificateUpload } from '../../src/microsoft/credentials/certificate-input.ts';
import {
  objectIdentifier,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
} from '../../src/microsoft/credentials/der.ts';
import { thresholdReached } from '../../src/microsoft/credentials/expiry.ts';

const hex = (b: Buffer) => b.toString('hex');
const DAY = 86_400_000;

describe('the DER encoder (X.690)', () => {
  test('lengths: short form below 128, long form from 128', () => {
    const cases: [number, string][] = [
      [0, '0400'],
      [127, '047f'],
      [128, '048180'],
      [255, '0481ff'],
      [256, '04820100'],
      [65_536, '0483010000'],
    ];
    for (const [n, head] of cases)
      assert.equal(hex(tlv(0x04, Buffer.alloc(n))).slice(0, head.length), head, `${n}`);
  });

  test('integers: minimal, and a leading zero when the top bit is set', () => {
    const cases: [Buffer | number, string][] = [
      [0, '020100'],
      [2, '020102'],
      [127, '02017f'],
      [128, '02020080'],
      [256, '02020100'],
      [Buffer.from([0, 0, 0x12]), '020112'],
      [Buffer.from([0xff, 0x01]), '020300ff01'],
    ];
    for (const [v, want] of cases)
      assert.equal(hex(typeof v === 'number' ? smallInteger(v) : unsignedInteger(v)), want, String(v));
    assert.throws(() => smallInteger(-1), RangeError);
  });

  test('object identifiers: first two arcs together, then base 128', () => {
    const cases: [string, string][] = [
      ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
      ['2.5.4.3', '0603550403'],
      ['2.5.29.19', '0603551d13'],
    ];
    for (const [oid, want] of cases) assert.equal(hex(objectIdentifier(oid)), want, oid);
    for (const bad of ['1', '3.1', '1.2.x']) assert.throws(() => objectIdentifier(bad), RangeError, bad);
  });

  test('times: UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    assert.equal(time(new Date('2026-12-03T01:02:03.456Z')).toString('latin1').slice(2), '261203010203Z');
    assert.equal(time(new Date('2026-12-03T01:02:03Z'))[0], 0x17);
    const late = time(new Date('2050-01-01T00:00:00Z'));
    assert.equal(late[0], 0x18);
    assert.equal(late.toString('latin1').slice(2), '20500101000000Z');
    assert.throws(() => time(new Date('1949-12-31T00:00:00Z')), RangeError);
  });
});

describe('a certificate Mailroom generates', () => {
  test('is a self-signed RSA 2048 v3 certificate for two years, its thumbprints those of its DER', async () => {
    const now = new Date();
    const g = await generateCertificate('Mailroom test.example', now);
    const cert = new X509Certificate(g.info.pem);
    assert.ok(cert.verify(cert.publicKey), 'signed by its own key');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(cert.subject, 'CN=Mailroom test.example');
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.ca, false);
    const days = (Date.parse(g.info.notAfter) - Date.parse(g.info.notBefore)) / DAY;
    assert.equal(days, GENERATED_VALIDITY_DAYS);
    assert.ok(Date.parse(g.info.notBefore) <= now.getTime());
    assert.equal(g.info.x5t, createHash('sha1').update(cert.raw).digest('base64url'));
    assert.equal(g.info.x5tS256, createHash('sha256').update(cert.raw).digest('base64url'));
    assert.equal(g.info.thumbprintHex, cert.fingerprint.replaceAll(':', ''));
    assert.match(g.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.ok(cert.checkPrivateKey(createPrivateKey(g.privateKeyPem)));
  });

  test('is read and verified by OpenSSL too (an independent parser)', async (t) => {
    const g = await generateCertificate('Mailroom test', new Date());
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-cert-'));
    try {
      const file = join(dir, 'c.pem');
      writeFileSync(file, g.info.pem);
      const run = promisify(execFile);
      let text: string;
      try {
        text = (await run('openssl', ['x509', '-in', file, '-noout', '-text', '-fingerprint', '-sha1']))
          .stdout;
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return t.skip('openssl is not installed');
        throw error;
      }
      assert.match(text, /Version: 3/);
      assert.match(text, /Public-Key: \(2048 bit\)/);
      assert.match(text, /CA:FALSE/);
      assert.match(text, /Digital Signature/);
      assert.match(text, new RegExp(`Fingerprint=${g.info.thumbprintHex.match(/../g)!.join(':')}`));
      const verified = await run('openssl', ['verify', '-partial_chain', '-CAfile', file, file]);
      assert.match(verified.stdout, /: OK/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an uploaded certificate is checked', () => {
  const now = new Date();
  const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
  const pemOf = (key: ReturnType<typeof rsa>, from: number, to: number) =>
    certificateInfo(selfSignedCertificate(key, 'Upload', new Date(from), new Date(to))).pem;
  const good = rsa(2048);
  const other = rsa(2048);
  const keyPem = (k: ReturnType<typeof rsa>) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
  const valid = pemOf(good, now.getTime() - DAY, now.getTime() + 365 * DAY);

  test('a matching, current RSA 2048 pair is accepted; PKCS #1 keys too, stored as PKCS #8', () => {
    for (const key of [keyPem(good), good.export({ type: 'pkcs1', format: 'pem' }).toString()]) {
      const r = validateCertificateUpload({ certificate: valid, privateKey: key }, now);
      assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
      assert.match(r.ok ? r.privateKeyPem : '', /^-----BEGIN PRIVATE KEY-----/);
    }
  });

  test('each defect is named on its field', () => {
    const weak = rsa(1024);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const cases: [string, unknown, 'certificate' | 'privateKey', RegExp][] = [
      ['not PEM', { certificate: 'hello', privateKey: keyPem(good) }, 'certificate', /PEM/],
      ['no key', { certificate: valid, privateKey: 'hello' }, 'privateKey', /PEM/],
      ['another key', { certificate: valid, privateKey: keyPem(other) }, 'privateKey', /does not belong/],
      [
        'expired',
        { certificate: pemOf(good, now.getTime() - 20 * DAY, now.getTime() - DAY), privateKey: keyPem(good) },
        'certificate',
        /expired/,
      ],
      [
        'RSA 1024',
        { certificate: pemOf(weak, now.getTime() - DAY, now.getTime() + DAY), privateKey: keyPem(weak) },
        'certificate',
        /2048/,
      ],
      [
        'an EC key',
        { certificate: valid, privateKey: ec.export({ type: 'pkcs8', format: 'pem' }).toString() },
        'privateKey',
        /does not belong/,
      ],
      ['too long', { certificate: valid, privateKey: 'x'.repeat(20_001) }, 'privateKey', /too long/],
      ['missing fields', {}, 'certificate', /PEM/],
    ];
    for (const [name, body, field, message] of cases) {
      const r = validateCertificateUpload(body, now);
      assert.equal(r.ok, false, name);
      assert.match((!r.ok && r.errors[field]) || '', message, name);
    }
  });
});

test('the expiry thresholds: 30, 14 and 3 days ahead, 0 once expired', () => {
  const expires = '2027-03-01T00:00:00.000Z';
  const at = (daysLeft: number) => new Date(Date.parse(expires) - daysLeft * DAY);
  const cases: [number, number | null][] = [
    [45, null],
    [30.01, null],
    [30, 30],
    [14.5, 30],
    [14, 14],
    [3.01, 14],
    [3, 3],
    [0.001, 3],
    [0, 0],
    [-10, 0],
  ];
  for (const [daysLeft, want] of cases)
    assert.equal(thresholdReached(expires, at(daysLeft)), want, `${daysLeft}`);
});

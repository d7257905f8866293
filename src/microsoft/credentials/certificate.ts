import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import {
  bitString,
  boolean,
  explicit,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from './der.ts';

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';

/** What Mailroom keeps of a certificate credential: the private key is sealed apart (see credential-store.ts). */
export interface CertificateInfo {
  /** The certificate in PEM, public: what the administrator uploads in Azure. */
  readonly pem: string;
  /** base64url SHA-1 of the DER (`x5t`), and SHA-256 (`x5t#S256`) (RFC 7515 §4.1.7–8). */
  readonly x5t: string;
  readonly x5tS256: string;
  /** The portal's Thumbprint column: upper-case hex SHA-1. */
  readonly thumbprintHex: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly subject: string;
}

export const derOfPem = (pem: string): Buffer => new X509Certificate(pem).raw;

export const pemOfDer = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;

export const certificateInfo = (cert: X509Certificate): CertificateInfo => ({
  pem: pemOfDer(cert.raw),
  x5t: createHash('sha1').update(cert.raw).digest('base64url'),
  x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
  thumbprintHex: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
  notBefore: new Date(cert.validFrom).toISOString(),
  notAfter: new Date(cert.validTo).toISOString(),
  subject: cert.subject,
});

const extension = (oid: string, critical: boolean, value: Buffer) =>
  sequence(objectIdentifier(oid), boolean(critical), octetString(value));

/**
 * The TBSCertificate of a self-signed v3 certificate (RFC 5280 §4.1): issuer = subject = CN, the key's
 * SubjectPublicKeyInfo as Node exports it, and two critical extensions: not a CA, digital signature only.
 */
const tbsCertificate = (publicKey: KeyObject, commonName: string, notBefore: Date, notAfter: Date) => {
  const algorithm = sequence(objectIdentifier(SHA256_WITH_RSA), nullValue());
  const name = sequence(set(sequence(objectIdentifier(COMMON_NAME), utf8String(commonName))));
  // Positive, non-zero, at most 20 octets (RFC 5280 §4.1.2.2).
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  // KeyUsage digitalSignature is bit 0: one byte 0x80 with 7 unused bits.
  const keyUsage = tlv(0x03, Buffer.from([0x07, 0x80]));
  return sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(extension(BASIC_CONSTRAINTS, true, sequence()), extension(KEY_USAGE, true, keyUsage)),
    ),
  );
};

/** A self-signed certificate for `privateKey` (RSA), signed with SHA-256 (PKCS #1 v1.5). */
export const selfSignedCertificate = (
  privateKey: KeyObject,
  commonName: string,
  notBefore: Date,
  notAfter: Date,
): X509Certificate => {
  const tbs = tbsCertificate(createPublicKey(privateKey), commonName, notBefore, notAfter);
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, sequence(objectIdentifier(SHA256_WITH_RSA), nullValue()), bitString(signature));
  return new X509Certificate(der);
};

export interface GeneratedCertificate {
  readonly info: CertificateInfo;
  /** PKCS #8 PEM: sealed at once, never shown. */
  readonly privateKeyPem: string;
}

/** Validity of a generated certificate: two years, Azure's longest advised secret life (app-only-spec.md §3). */
export const GENERATED_VALIDITY_DAYS = 730;

/** An RSA 2048 key pair and a self-signed certificate for it, valid from a minute ago for two years. */
export const generateCertificate = async (commonName: string, now: Date): Promise<GeneratedCertificate> => {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + GENERATED_VALIDITY_DAYS * 86_400_000);
  const cert = selfSignedCertificate(privateKey, commonName, notBefore, notAfter);
  return {
    info: certificateInfo(cert),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};

export const privateKeyOf = (pem: string): KeyObject => createPrivateKey(pem);

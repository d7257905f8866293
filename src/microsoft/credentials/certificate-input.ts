import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { type CertificateInfo, certificateInfo } from './certificate.ts';

/** A PEM certificate chain or a PEM private key is a few kB; this bounds what is parsed at all. */
export const MAX_PEM_CHARS = 20_000;
const MIN_RSA_BITS = 2048;

export const certificateUploadSchema = z.object({
  certificate: z.string().max(MAX_PEM_CHARS, { message: 'The certificate is too long.', abort: true }),
  privateKey: z.string().max(MAX_PEM_CHARS, { message: 'The private key is too long.', abort: true }),
});

/** `POST /api/settings/microsoft/certificate`: `{ "generate": true }`, or a certificate and its key to upload. */
export const certificateRequestSchema = z.object({
  generate: z
    .boolean()
    .optional()
    .describe('true: Mailroom makes one (RSA 2048, self-signed, two years); the other fields are ignored'),
  certificate: z.string().max(MAX_PEM_CHARS).optional().describe('To upload: the certificate in PEM'),
  privateKey: z
    .string()
    .max(MAX_PEM_CHARS)
    .optional()
    .describe('To upload: its private key in PEM, unencrypted')
    .meta({ writeOnly: true }),
});

export type UploadErrors = Partial<Record<'certificate' | 'privateKey', string>>;

export const UPLOAD_MESSAGES = {
  certificate:
    'Paste the certificate in PEM: the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.',
  privateKey:
    'Paste the certificate’s private key in PEM, unencrypted: from -----BEGIN PRIVATE KEY----- (or BEGIN RSA PRIVATE KEY) to its END line.',
  notRsa: 'Microsoft needs an RSA certificate: this one has another kind of key.',
  weak: `The certificate’s RSA key has fewer than ${MIN_RSA_BITS} bits, which Microsoft refuses (AADSTS50032 WeakRsaKey): create one of at least ${MIN_RSA_BITS} bits.`,
  expired:
    'This certificate has expired (or is not valid yet): create a new one, or let Mailroom generate one.',
  mismatch:
    'This private key does not belong to the certificate: paste the key the certificate was made for.',
} as const;

const parseCertificate = (pem: string): X509Certificate | null => {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return null;
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
};

const parsePrivateKey = (pem: string): KeyObject | null => {
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) return null;
  try {
    return createPrivateKey(pem);
  } catch {
    return null;
  }
};

/**
 * Checks an uploaded certificate and key: both PEM, RSA of at least 2048 bits, valid now, and the key the
 * certificate's (node:crypto's checkPrivateKey). The key comes back re-exported as PKCS #8, to be sealed.
 */
export const validateCertificateUpload = (
  raw: unknown,
  now: Date,
): { ok: true; info: CertificateInfo; privateKeyPem: string } | { ok: false; errors: UploadErrors } => {
  const parsed = certificateUploadSchema.safeParse(raw);
  if (!parsed.success) {
    const errors: UploadErrors = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] === 'privateKey' ? 'privateKey' : 'certificate';
      errors[field] ??= issue.code === 'too_big' ? issue.message : UPLOAD_MESSAGES[field];
    }
    return { ok: false, errors };
  }
  const cert = parseCertificate(parsed.data.certificate);
  const key = parsePrivateKey(parsed.data.privateKey);
  const errors: UploadErrors = {};
  if (!cert) errors.certificate = UPLOAD_MESSAGES.certificate;
  if (!key) errors.privateKey = UPLOAD_MESSAGES.privateKey;
  if (!cert || !key) return { ok: false, errors };
  const publicKey = cert.publicKey;
  if (publicKey.asymmetricKeyType !== 'rsa')
    return { ok: false, errors: { certificate: UPLOAD_MESSAGES.notRsa } };
  if ((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
    return { ok: false, errors: { certificate: UPLOAD_MESSAGES.weak } };
  const t = now.getTime();
  if (Date.parse(cert.validTo) <= t || Date.parse(cert.validFrom) > t)
    return { ok: false, errors: { certificate: UPLOAD_MESSAGES.expired } };
  if (key.asymmetricKeyType !== 'rsa' || !cert.checkPrivateKey(key))
    return { ok: false, errors: { privateKey: UPLOAD_MESSAGES.mismatch } };
  return {
    ok: true,
    info: certificateInfo(cert),
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
};

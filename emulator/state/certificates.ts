import { createHash, X509Certificate } from 'node:crypto';
import { newGuid } from './ids.ts';
import type { App, AppCertificate } from './model.ts';

/** Thrown for a PEM that is no X.509 certificate, or an RSA key shorter than 2048 bits (AADSTS50032 WeakRsaKey). */
export class CertificateUploadError extends Error {}

/**
 * Adds an uploaded certificate to an app (Certificates & secrets › Upload certificate): Entra keeps the
 * key and the validity window, and ignores the subject (app-only-spec.md §3). `expiresAt` overrides the
 * certificate's notAfter (the keyCredential's endDateTime), for tests that expire it.
 */
export const addCertificate = (app: App, pem: string, expiresAt?: number): AppCertificate => {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (error) {
    throw new CertificateUploadError('not a PEM X.509 certificate', { cause: error });
  }
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    throw new CertificateUploadError('the certificate needs an RSA key of at least 2048 bits');
  const certificate: AppCertificate = {
    id: newGuid(),
    x5t: createHash('sha1').update(cert.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    thumbprintHex: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
    pem: cert.toString(),
    startsAt: Date.parse(cert.validFrom),
    expiresAt: expiresAt ?? Date.parse(cert.validTo),
  };
  app.certificates = [...app.certificates.filter((c) => c.x5t !== certificate.x5t), certificate];
  return certificate;
};

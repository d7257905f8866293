/**
 * Node's codes for a certificate that did not verify (`err.code`): OpenSSL's X509_V_ERR names and the
 * host-name check. One list for every client Mailroom runs (IMAP, SMTP, webhooks), each of which adds the
 * codes of its own library.
 */
const CERTIFICATE_NOT_VERIFIED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export const isCertificateNotVerified = (code: string | undefined): boolean =>
  code !== undefined && CERTIFICATE_NOT_VERIFIED.has(code);

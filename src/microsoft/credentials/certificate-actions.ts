import { recordAudit } from '../../audit/record.ts';
import type { AppDeps } from '../../http/context.ts';
import type { User } from '../../users/users.table.ts';
import { type CertificateInfo, generateCertificate } from './certificate.ts';
import { type UploadErrors, validateCertificateUpload } from './certificate-input.ts';
import { storeCertificate } from './credential-store.ts';

type Deps = Pick<AppDeps, 'db' | 'secrets' | 'config' | 'log'>;

/** The subject of a generated certificate: Entra ignores it, people read it in the portal's list. */
const commonNameOf = (publicUrl: string): string => `Mailroom ${new URL(publicUrl).host}`.slice(0, 64);

const stored = async (
  deps: Deps,
  actor: User,
  cert: { info: CertificateInfo; privateKeyPem: string; source: 'generated' | 'uploaded' },
): Promise<CertificateInfo> => {
  await storeCertificate(deps.db, deps.secrets, cert, actor.email);
  // Never the key: the thumbprint and validity identify the certificate in Azure.
  await recordAudit(deps.db, actor, `settings.microsoft.certificate_${cert.source}`, {
    thumbprint: cert.info.thumbprintHex,
    notAfter: cert.info.notAfter,
  });
  deps.log.info(
    { event: `microsoft.certificate_${cert.source}`, thumbprint: cert.info.thumbprintHex },
    `Microsoft certificate ${cert.source}`,
  );
  return cert.info;
};

/** *Generate*: an RSA 2048 key pair and a self-signed certificate valid two years, the key sealed at once. */
export const generateAndStoreCertificate = async (deps: Deps, actor: User): Promise<CertificateInfo> => {
  const generated = await generateCertificate(commonNameOf(deps.config.publicUrl), new Date());
  return stored(deps, actor, { ...generated, source: 'generated' });
};

/** *Upload*: a PEM certificate and its private key, checked (validateCertificateUpload) before storing. */
export const uploadAndStoreCertificate = async (
  deps: Deps,
  actor: User,
  raw: unknown,
): Promise<{ ok: true; info: CertificateInfo } | { ok: false; errors: UploadErrors }> => {
  const checked = validateCertificateUpload(raw, new Date());
  if (!checked.ok) return checked;
  return { ok: true, info: await stored(deps, actor, { ...checked, source: 'uploaded' }) };
};

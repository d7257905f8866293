import type { RunningEmulator } from './start.ts';
import { DEMO } from './state/demo-seed.ts';

/** What `npm run emulator --json` prints: everything a script needs to use the running emulator. */
export const describeEmulator = (emu: RunningEmulator) => {
  const { dir } = emu.ctx;
  return {
    baseUrl: emu.httpsUrl,
    httpUrl: emu.httpUrl,
    caCertPath: emu.tls.caPath,
    controlApi: `${emu.httpUrl}/_emulator`,
    tenants: [...dir.tenants.values()].map((t) => ({
      id: t.id,
      name: t.displayName,
      domains: t.domains,
      authority: `${emu.httpsUrl}/${t.id}`,
    })),
    apps: [...dir.apps.values()].map((a) => ({
      clientId: a.appId,
      name: a.displayName,
      tenantId: a.homeTenantId,
      signInAudience: a.signInAudience,
      redirectUris: a.redirectUris.map((r) => r.uri),
      ...(a.appId === DEMO.appId && emu.demo
        ? { clientSecret: emu.demo.appSecret, clientSecretId: emu.demo.appSecretId }
        : {}),
    })),
    users: (emu.demo?.users ?? []).map((u) => ({
      upn: u.upn,
      password: u.password,
      name: u.displayName,
      role: u.role,
    })),
    sharedMailboxes: [...dir.mailboxes.values()]
      .filter((m) => m.type === 'shared')
      .map((m) => ({ address: m.address, fullAccess: m.fullAccess })),
    imap: emu.mail
      ? {
          host: emu.mail.imap.host,
          port: emu.mail.imap.port,
          tlsPort: emu.mail.imap.tlsPort,
          profile: emu.mail.profile,
        }
      : null,
    smtp: emu.mail ? { host: emu.mail.smtp.host, port: emu.mail.smtp.port, security: 'STARTTLS' } : null,
    /** Graph mail (`/me/mailFolders`, `/users/{upn}/sendMail`…) beside `/me`; `null` without mail. */
    graph: emu.graphMail ? { baseUrl: `${emu.httpsUrl}/v1.0` } : null,
  };
};

export const describeForPeople = (emu: RunningEmulator): string => {
  const d = describeEmulator(emu);
  const lines = [
    'Microsoft 365 emulator is running.',
    '',
    `  Identity platform  ${d.baseUrl}  (also ${d.httpUrl})`,
    `  Trust this CA      ${d.caCertPath}`,
    `  Control API        ${d.controlApi}`,
  ];
  if (d.imap && d.smtp) {
    lines.push(
      `  IMAP               ${d.imap.host}:${d.imap.port} (plain), ${d.imap.tlsPort} (TLS), ${d.imap.profile} profile`,
      `  SMTP submission    ${d.smtp.host}:${d.smtp.port} (STARTTLS, then XOAUTH2)`,
    );
  }
  if (d.graph) {
    lines.push(`  Graph mail         ${d.graph.baseUrl}/me/mailFolders (Graph tokens with Mail.*)`);
  }
  lines.push('', 'Tenants');
  for (const t of d.tenants) lines.push(`  ${t.name.padEnd(10)} ${t.id}  ${t.domains.join(', ')}`);
  lines.push('', 'Users');
  for (const u of d.users)
    lines.push(`  ${u.upn.padEnd(24)} password ${u.password.padEnd(14)} ${u.name} (${u.role})`);
  for (const m of d.sharedMailboxes) lines.push(`  ${m.address.padEnd(24)} shared mailbox`);
  for (const a of d.apps) {
    lines.push('', `App registration to paste into Mailroom: ${a.name}`);
    lines.push(`  Application (client) ID  ${a.clientId}`);
    if (a.clientSecret)
      lines.push(
        `  Client secret (Value)    ${a.clientSecret}`,
        `  (its Secret ID, not to be pasted: ${a.clientSecretId})`,
      );
    lines.push(`  Directory (tenant) ID    ${a.tenantId}`, `  Authority URL            ${d.baseUrl}`);
    for (const uri of a.redirectUris) lines.push(`  Redirect URI             ${uri}`);
  }
  lines.push('', 'Press Ctrl-C to stop.');
  return lines.join('\n');
};

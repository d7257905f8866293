import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalTls {
  /** PEM of the local certificate authority: what a client must trust. */
  readonly caPem: string;
  readonly caPath: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** Host names the server certificate is valid for, so tests may also route Microsoft's real host names here. */
export const TLS_NAMES = [
  'localhost',
  'login.microsoftonline.com',
  'graph.microsoft.com',
  'outlook.office365.com',
  'smtp.office365.com',
];

const openssl = (args: string[]): void => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Generates a throw-away CA and a server certificate signed by it (EC P-256: fast to make, accepted everywhere). */
export const createLocalTls = (dir: string): LocalTls => {
  mkdirSync(dir, { recursive: true });
  const p = (name: string) => join(dir, name);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('ca.key')]);
  openssl([
    'req',
    '-new',
    '-x509',
    '-key',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '30',
    '-subj',
    '/CN=Mailroom emulator local CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p('server.key')]);
  openssl(['req', '-new', '-key', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  const san = ['IP:127.0.0.1', 'IP:::1', ...TLS_NAMES.map((n) => `DNS:${n}`)].join(',');
  writeFileSync(
    p('server.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  openssl([
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '30',
    '-extfile',
    p('server.ext'),
  ]);
  return {
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    caPath: p('ca.pem'),
    certPem: readFileSync(p('server.pem'), 'utf8'),
    keyPem: readFileSync(p('server.key'), 'utf8'),
    certPath: p('server.pem'),
    keyPath: p('server.key'),
  };
};

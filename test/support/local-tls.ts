// A certificate for 127.0.0.1, made per test run with the openssl command, so fakes of services the
// product only reaches over https (Azure AD's token endpoint through MSAL) can run locally. The
// suite trusts it through NODE_EXTRA_CA_CERTS, set by the global setup before the test workers
// start; the product's code stays as in production, with no TLS switches of its own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalTls {
  /** PEM private key of the certificate. */
  key: string;
  /** PEM certificate for 127.0.0.1 and localhost, self-signed (its own authority). */
  cert: string;
}

export function makeLocalTls(dir: string): LocalTls & { certPath: string } {
  const keyPath = join(dir, 'local-authority.key');
  const certPath = join(dir, 'local-authority.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        '/CN=csbot test authority',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('the tests need the openssl command: sudo apt-get install -y openssl', {
        cause: error,
      });
    }
    throw error;
  }
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}

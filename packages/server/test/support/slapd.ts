import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Debian's OpenLDAP server (package `slapd`); scripts/test.mjs and .ci/run install it. */
export const SLAPD = '/usr/sbin/slapd';

/** Why the LDAP tests cannot run here, or undefined when they can. */
export function slapdMissing(): string | undefined {
  return existsSync(SLAPD)
    ? undefined
    : `${SLAPD} is not installed: the LDAP tests are skipped (apt-get install slapd).`;
}

/** `{SSHA}` of a password, as slappasswd makes it: SHA-1 of password and salt, then the salt. */
export function sshaHash(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

export interface SlapdOptions {
  /** The directory's suffix, e.g. `dc=parley,dc=test`. */
  suffix: string;
  /** The entries, as LDIF, starting with the suffix's own entry. */
  ldif: string;
  /** The password of `cn=admin,<suffix>` (the rootdn), for tests that change entries. */
  rootPassword: string;
}

export interface RunningSlapd {
  /** ldap://127.0.0.1:<port> (plain, and StartTLS). */
  url: string;
  /** ldaps://127.0.0.1:<port>. */
  ldapsUrl: string;
  /** The self-signed certificate the server presents (a PEM file to trust). */
  caFile: string;
  rootDn: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Whether AppArmor confines /usr/sbin/slapd on this machine. Ubuntu's slapd package ships a profile
 * that lets slapd read only its own paths (/etc/ldap, /var/lib/ldap, …), so it could not read a
 * configuration and database in a temporary directory. Debian 12's package ships no profile, and
 * this machine's kernel runs without AppArmor; the check is for machines where that differs.
 */
function confinedByAppArmor(): boolean {
  try {
    if (readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() !== 'Y') return false;
  } catch {
    return false;
  }
  try {
    return readFileSync('/sys/kernel/security/apparmor/profiles', 'utf8').includes('slapd');
  } catch {
    // The list is unreadable without privileges: assume the profile is there.
    return true;
  }
}

/**
 * A throwaway OpenLDAP server: its own configuration (slapd.conf, mdb database), TLS certificate and
 * data in a temporary directory, loaded with slapadd, listening on two free loopback ports (ldap://
 * with StartTLS, and ldaps://), running as the current user in the foreground (`-d 0`) until stop().
 * Never the system's slapd, and nothing outside the temporary directory is written.
 */
export async function startSlapd(options: SlapdOptions): Promise<RunningSlapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-slapd-'));
  const file = (name: string) => path.join(dir, name);
  mkdirSync(file('db'));
  // A profile attaches to the program's path: a copy of the binary in the temporary directory is
  // not confined by the profile of /usr/sbin/slapd, and the slap tools are the same binary (-T).
  let slapd = SLAPD;
  if (confinedByAppArmor()) {
    slapd = file('slapd');
    copyFileSync(SLAPD, slapd);
  }
  // A P-256 key is made in milliseconds; the IP address in subjectAltName is what a client checks.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      file('key.pem'),
      '-out',
      file('cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const rootDn = `cn=admin,${options.suffix}`;
  writeFileSync(
    file('slapd.conf'),
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'include /etc/ldap/schema/nis.schema',
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${file('slapd.pid')}`,
      `argsfile ${file('slapd.args')}`,
      `TLSCertificateFile ${file('cert.pem')}`,
      `TLSCertificateKeyFile ${file('key.pem')}`,
      'database mdb',
      `suffix "${options.suffix}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${sshaHash(options.rootPassword)}`,
      `directory ${file('db')}`,
      // The map's size (the data are a few kilobytes).
      'maxsize 8388608',
      // Passwords are only compared at a bind; everything else anyone may read (anonymous search).
      'access to attrs=userPassword by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n'),
  );
  writeFileSync(file('data.ldif'), options.ldif);
  execFileSync(slapd, ['-T', 'add', '-f', file('slapd.conf'), '-l', file('data.ldif')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  const port = await freePort();
  const ldapsPort = await freePort();
  const child: ChildProcess = spawn(
    slapd,
    ['-f', file('slapd.conf'), '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${ldapsPort}/`, '-d', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Up once both listeners accept connections (slapd opens them after reading its database).
  const deadline = Date.now() + 10_000;
  while (!((await accepts(port)) && (await accepts(ldapsPort)))) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`slapd exited (${child.exitCode}) before it listened:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`slapd did not listen within 10 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}`,
    caFile: file('cert.pem'),
    rootDn,
    stop,
  };
}

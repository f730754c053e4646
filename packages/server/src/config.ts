import path from 'node:path';

/** Everything Parley reads from its environment, parsed once at start-up. See README's configuration table. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  publicIp: string;
  rtcPort: number;
  turnUrls: string[];
  turnSecret: string | undefined;
  ipRetentionSeconds: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  trustProxy: boolean;
  logLevel: string;
  /** Who is responsible for the data (GDPR controller), shown on /privacy; set by the operator. */
  controllerName: string | undefined;
  /** How to reach the controller (or their data-protection officer): e-mail, address or URL. */
  controllerContact: string | undefined;
  /** Directory of the built web app (packages/web/dist). */
  webRoot: string;
}

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const host = env.HOST || '127.0.0.1';
  const tlsCert = env.PARLEY_TLS_CERT || undefined;
  const tlsKey = env.PARLEY_TLS_KEY || undefined;
  const trustProxy = env.PARLEY_TRUST_PROXY === '1';
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('Set both PARLEY_TLS_CERT and PARLEY_TLS_KEY to serve HTTPS, or neither.');
  }
  if (!isLoopback(host) && tlsCert === undefined && !trustProxy) {
    throw new ConfigError(
      `Refusing to listen on ${host} without TLS: passwords, session cookies and signaling would cross the ` +
        'network in clear text. Set PARLEY_TLS_CERT and PARLEY_TLS_KEY, or put a TLS-terminating reverse ' +
        'proxy in front and set PARLEY_TRUST_PROXY=1.',
    );
  }
  const publicIp =
    env.PARLEY_PUBLIC_IP ||
    (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host === 'localhost' ? '127.0.0.1' : host);
  return {
    port: intFrom(env, 'PORT', 3000, 0, 65535),
    host,
    dataDir: path.resolve(cwd, env.PARLEY_DATA_DIR || './data'),
    databaseUrl: env.PARLEY_DATABASE_URL || undefined,
    redisUrl: env.PARLEY_REDIS_URL || undefined,
    publicIp,
    rtcPort: intFrom(env, 'PARLEY_RTC_PORT', 40000, 0, 65535),
    turnUrls: (env.PARLEY_TURN_URLS ?? '')
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url !== ''),
    turnSecret: env.PARLEY_TURN_SECRET || undefined,
    ipRetentionSeconds: intFrom(env, 'PARLEY_IP_RETENTION_S', 600, 1, 86_400),
    tlsCert,
    tlsKey,
    trustProxy,
    logLevel: env.LOG_LEVEL || 'info',
    controllerName: env.PARLEY_CONTROLLER_NAME?.trim() || undefined,
    controllerContact: env.PARLEY_CONTROLLER_CONTACT?.trim() || undefined,
    webRoot: path.resolve(import.meta.dirname, '../../web/dist'),
  };
}

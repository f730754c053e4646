import { availableParallelism } from 'node:os';
import path from 'node:path';
import { VideoCodec } from '@parley/protocol';
import { ConfigError } from './config-error.js';
import { type LdapConfig, ldapConfigFrom } from './ldap/ldap-config.js';
import { type OidcConfig, oidcConfigFrom } from './oidc/oidc-config.js';

/** Everything Parley reads from its environment, parsed once at start-up. See README's configuration table. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /**
   * Cluster: how the other nodes reach this node's HTTP and WebSocket (PARLEY_NODE_URL); unset: the
   * address and port it listens on (a wildcard HOST counts as loopback).
   */
  nodeUrl: string | undefined;
  /**
   * Cluster: the secret shared by all nodes (PARLEY_CLUSTER_SECRET, at least 32 characters); unset: a
   * random one kept in Redis.
   */
  clusterSecret: string | undefined;
  /** Cluster: SIGTERM hands meetings on and exits within this many seconds (PARLEY_DRAIN_TIMEOUT_S). */
  drainTimeoutSeconds: number;
  publicIp: string;
  /**
   * Address the media UDP sockets bind to. Behind a reverse proxy the HTTP side listens on loopback,
   * but browsers send media straight to PARLEY_PUBLIC_IP: a public address then binds all interfaces.
   */
  mediaBindAddress: string;
  rtcPort: number;
  /**
   * Media worker threads (PARLEY_MEDIA_WORKERS; default: one per core, one on a cluster node). Worker i
   * uses UDP port rtcPort + i. 0: the SFU runs in the main thread on rtcPort alone.
   */
  mediaWorkers: number;
  /** Last-N (PARLEY_LAST_N): each subscriber gets the camera video of the N most recent speakers; 0: all. */
  lastN: number;
  /** Microphones forwarded in a meeting: the loudest few (PARLEY_AUDIBLE_SPEAKERS). */
  audibleSpeakers: number;
  /**
   * Retransmissions (NACK answers) to a subscriber: at most this percentage of what it is forwarded
   * (PARLEY_RETRANSMIT_PERCENT; see docs/reliability.md, "SFU budgets").
   */
  retransmitPercent: number;
  /**
   * Estimate each subscriber's bandwidth from transport-cc and choose its layers by it (default on;
   * PARLEY_SUBSCRIBER_BWE=0: display size and REMB only, see packages/sfu/README.md).
   */
  subscriberBandwidthEstimation: boolean;
  /** Offer subscribers RTX for video (default on; PARLEY_SUBSCRIBER_RTX=0: plain retransmissions). */
  subscriberRtx: boolean;
  /**
   * Ask camera publishers to pause the simulcast layers no one takes (default on;
   * PARLEY_PAUSE_UNUSED_LAYERS=0: every layer is sent all the time, see packages/sfu/README.md).
   */
  pauseUnusedLayers: boolean;
  /**
   * The video codec browsers publish in when they can encode it (PARLEY_VIDEO_CODEC: vp8, vp9, h264 or
   * av1; default vp8). Browsers that cannot decode it show that on the tile; docs/codecs.md.
   */
  videoCodec: VideoCodec;
  turnUrls: string[];
  turnSecret: string | undefined;
  /** Clients may only use relayed (TURN) ICE candidates: `PARLEY_ICE_RELAY_ONLY=1`. */
  iceRelayOnly: boolean;
  ipRetentionSeconds: number;
  /** Signaling sockets that have not joined a meeting within this many seconds are closed (PARLEY_JOIN_DEADLINE_S). */
  joinDeadlineSeconds: number;
  /** Open signaling sockets per client address, IPv6 by /64 (PARLEY_MAX_CONNECTIONS_PER_ADDRESS). */
  maxConnectionsPerAddress: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  trustProxy: boolean;
  logLevel: string;
  /** Bearer token /metrics asks for (PARLEY_METRICS_TOKEN); unset: /metrics is open, like /healthz. */
  metricsToken: string | undefined;
  /** Kept rooms nobody opened for this many days are deleted (PARLEY_KEPT_ROOM_DAYS). */
  keptRoomDays: number;
  /** Who is responsible for the data (GDPR controller), shown on /privacy; set by the operator. */
  controllerName: string | undefined;
  /** How to reach the controller (or their data-protection officer): e-mail, address or URL. */
  controllerContact: string | undefined;
  /** Directory of the built web app (packages/web/dist). */
  webRoot: string;
  /**
   * The one-time token /setup asks for before creating the first administrator
   * (PARLEY_SETUP_TOKEN); unset: a random one, printed on the console at start while no account exists.
   */
  setupToken: string | undefined;
  /** Sign-in attempts per username in 15 minutes, from all addresses together (PARLEY_LOGIN_ATTEMPTS_PER_USER). */
  loginAttemptsPerUser: number;
  /** Limits on what guests without an account can make the server hold (docs/reliability.md). */
  meetingLimits: MeetingLimits;
  /** Single sign-on through OpenID Connect providers (PARLEY_OIDC_*); unset: none. */
  oidc?: OidcConfig | undefined;
  /** Password sign-in checked by an LDAP directory (PARLEY_LDAP_*); unset: none. */
  ldap?: LdapConfig | undefined;
}

/** How many guests may wait, and where; see docs/reliability.md "Meetings and accounts". */
export interface MeetingLimits {
  /** Guests waiting for a host in one room not yet open (PARLEY_WAITING_GUESTS_PER_ROOM). */
  waitingPerRoom: number;
  /** Guests waiting for a host in all rooms together (PARLEY_WAITING_GUESTS_TOTAL). */
  waitingTotal: number;
  /** Guests knocking at one meeting's lobby (PARLEY_LOBBY_SIZE). */
  lobbySize: number;
}

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

/** The TURN settings: URLs need the shared secret, and relay-only ICE needs a relay. */
function videoCodecFrom(env: NodeJS.ProcessEnv): VideoCodec {
  const raw = env.PARLEY_VIDEO_CODEC?.trim().toLowerCase() || 'vp8';
  const parsed = VideoCodec.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(`PARLEY_VIDEO_CODEC is one of ${VideoCodec.options.join(', ')}, got "${raw}".`);
  return parsed.data;
}

function turnFrom(env: NodeJS.ProcessEnv): Pick<Config, 'turnUrls' | 'turnSecret' | 'iceRelayOnly'> {
  const turnUrls = (env.PARLEY_TURN_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  const turnSecret = env.PARLEY_TURN_SECRET || undefined;
  const iceRelayOnly = env.PARLEY_ICE_RELAY_ONLY === '1';
  for (const url of turnUrls) {
    if (!/^(turns?|stun):/.test(url)) {
      throw new ConfigError(`PARLEY_TURN_URLS entries start with turn:, turns: or stun:, got "${url}".`);
    }
  }
  if (turnUrls.length > 0 && turnSecret === undefined) {
    throw new ConfigError(
      'PARLEY_TURN_URLS is set but PARLEY_TURN_SECRET is not: set it to the static-auth-secret of your ' +
        'coturn server (use-auth-secret), so Parley can hand out time-limited credentials.',
    );
  }
  if (iceRelayOnly && !turnUrls.some((url) => url.startsWith('turn'))) {
    throw new ConfigError(
      'PARLEY_ICE_RELAY_ONLY=1 needs a TURN server in PARLEY_TURN_URLS: without one no media could flow.',
    );
  }
  return { turnUrls, turnSecret, iceRelayOnly };
}

function clusterSecretFrom(env: NodeJS.ProcessEnv): string | undefined {
  const secret = env.PARLEY_CLUSTER_SECRET;
  if (!secret) return undefined;
  if (secret.length < 32) {
    throw new ConfigError(
      'PARLEY_CLUSTER_SECRET must be at least 32 characters (e.g. openssl rand -base64 32).',
    );
  }
  return secret;
}

function nodeUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const given = env.PARLEY_NODE_URL?.trim();
  if (!given) return undefined;
  if (!/^https?:\/\/[^/]+\/?$/.test(given)) {
    throw new ConfigError(`PARLEY_NODE_URL must look like http://10.0.0.2:3000, got "${given}".`);
  }
  return given.replace(/\/$/, '');
}

function setupTokenFrom(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.PARLEY_SETUP_TOKEN?.trim();
  if (!token) return undefined;
  if (token.length < 16 || token.length > 256) {
    throw new ConfigError(
      'PARLEY_SETUP_TOKEN must have 16 to 256 characters (e.g. openssl rand -base64 24).',
    );
  }
  return token;
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
  const mediaBindAddress = isLoopback(publicIp) ? host : publicIp.includes(':') ? '::' : '0.0.0.0';
  const rtcPort = intFrom(env, 'PARLEY_RTC_PORT', 40000, 0, 65535);
  // A cluster node defaults to one worker: operators (and tests) often run several nodes on one machine
  // with neighbouring RTC ports, and a second worker's port rtcPort + 1 would collide with the next node.
  const defaultWorkers = env.PARLEY_REDIS_URL ? 1 : availableParallelism();
  const mediaWorkers = intFrom(env, 'PARLEY_MEDIA_WORKERS', defaultWorkers, 0, 256);
  if (mediaWorkers > 0 && rtcPort + mediaWorkers - 1 > 65535) {
    throw new ConfigError(
      `PARLEY_MEDIA_WORKERS=${mediaWorkers} needs UDP ports ${rtcPort} to ${rtcPort + mediaWorkers - 1}, ` +
        'past 65535: lower PARLEY_RTC_PORT or the number of workers.',
    );
  }
  return {
    port: intFrom(env, 'PORT', 3000, 0, 65535),
    host,
    dataDir: path.resolve(cwd, env.PARLEY_DATA_DIR || './data'),
    databaseUrl: env.PARLEY_DATABASE_URL || undefined,
    redisUrl: env.PARLEY_REDIS_URL || undefined,
    nodeUrl: nodeUrlFrom(env),
    clusterSecret: clusterSecretFrom(env),
    drainTimeoutSeconds: intFrom(env, 'PARLEY_DRAIN_TIMEOUT_S', 10, 1, 300),
    publicIp,
    mediaBindAddress,
    rtcPort,
    mediaWorkers,
    lastN: intFrom(env, 'PARLEY_LAST_N', 25, 0, 1000),
    audibleSpeakers: intFrom(env, 'PARLEY_AUDIBLE_SPEAKERS', 3, 1, 100),
    retransmitPercent: intFrom(env, 'PARLEY_RETRANSMIT_PERCENT', 50, 0, 200),
    subscriberBandwidthEstimation: env.PARLEY_SUBSCRIBER_BWE !== '0',
    subscriberRtx: env.PARLEY_SUBSCRIBER_RTX !== '0',
    pauseUnusedLayers: env.PARLEY_PAUSE_UNUSED_LAYERS !== '0',
    videoCodec: videoCodecFrom(env),
    ...turnFrom(env),
    ipRetentionSeconds: intFrom(env, 'PARLEY_IP_RETENTION_S', 600, 1, 86_400),
    joinDeadlineSeconds: intFrom(env, 'PARLEY_JOIN_DEADLINE_S', 10, 1, 600),
    maxConnectionsPerAddress: intFrom(env, 'PARLEY_MAX_CONNECTIONS_PER_ADDRESS', 100, 1, 1_000_000),
    tlsCert,
    tlsKey,
    trustProxy,
    logLevel: env.LOG_LEVEL || 'info',
    metricsToken: env.PARLEY_METRICS_TOKEN || undefined,
    keptRoomDays: intFrom(env, 'PARLEY_KEPT_ROOM_DAYS', 180, 1, 36_500),
    controllerName: env.PARLEY_CONTROLLER_NAME?.trim() || undefined,
    controllerContact: env.PARLEY_CONTROLLER_CONTACT?.trim() || undefined,
    // Another build of the web app to serve (the browser tests' test build); default: the one npm ci makes.
    webRoot: env.PARLEY_WEB_ROOT
      ? path.resolve(cwd, env.PARLEY_WEB_ROOT)
      : path.resolve(import.meta.dirname, '../../web/dist'),
    setupToken: setupTokenFrom(env),
    loginAttemptsPerUser: intFrom(env, 'PARLEY_LOGIN_ATTEMPTS_PER_USER', 20, 1, 10_000),
    oidc: oidcConfigFrom(env),
    ldap: ldapConfigFrom(env),
    meetingLimits: {
      waitingPerRoom: intFrom(env, 'PARLEY_WAITING_GUESTS_PER_ROOM', 50, 1, 100_000),
      waitingTotal: intFrom(env, 'PARLEY_WAITING_GUESTS_TOTAL', 2000, 1, 1_000_000),
      lobbySize: intFrom(env, 'PARLEY_LOBBY_SIZE', 100, 1, 100_000),
    },
  };
}

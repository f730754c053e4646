import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A coturn server of our own on loopback, as deploy/turnserver.conf sets one up (minus TLS). */
export interface RunningCoturn {
  /** The value for PARLEY_TURN_URLS. */
  urls: string;
  /** The value for PARLEY_TURN_SECRET (coturn's static-auth-secret). */
  secret: string;
  /** coturn's log so far (verbose, unlike deploy/turnserver.conf, which discards it). */
  log(): Promise<string>;
  /** How many relay allocations coturn has granted so far (counted in its log). */
  relayedAllocations(): Promise<number>;
  stop(): Promise<void>;
}

/** A port free for both UDP and TCP on loopback: coturn listens on both with one number. */
async function freeTurnPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no free port for coturn');
}

/** True once a STUN Binding request to the port gets a success response. */
async function answersStun(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
  request.writeUInt32BE(0x2112a442, 4); // magic cookie
  randomBytes(12).copy(request, 8);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      socket.on('message', (message) => {
        if (message.readUInt16BE(0) === 0x0101 && message.subarray(8, 20).equals(request.subarray(8, 20))) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/**
 * Starts Debian's coturn (`turnserver`) with the `use-auth-secret` REST scheme on a free loopback
 * port. Loopback peers must be allowed explicitly (coturn refuses them by default), because the
 * Parley server it relays to is on 127.0.0.1 too.
 */
export async function startCoturn(): Promise<RunningCoturn> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-coturn-'));
  const port = await freeTurnPort();
  const secret = randomBytes(24).toString('base64url');
  const logFile = path.join(dir, 'turn.log');
  const config = [
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    `listening-port=${port}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    'realm=parley.test',
    'allow-loopback-peers',
    'no-cli',
    'no-tls',
    'no-dtls',
    'no-tcp-relay',
    // The test counts allocations in the verbose log; deploy/turnserver.conf discards the log.
    'verbose',
    `log-file=${logFile}`,
    'simple-log',
    'no-stdout-log',
    `pidfile=${path.join(dir, 'turnserver.pid')}`,
    `userdb=${path.join(dir, 'turndb')}`,
  ].join('\n');
  const configFile = path.join(dir, 'turnserver.conf');
  await writeFile(configFile, `${config}\n`);

  let output = '';
  const child: ChildProcess = spawn('turnserver', ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  let failure: Error | undefined;
  child.once('error', (error) => {
    failure = error;
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && failure === undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const log = () => readFile(logFile, 'utf8').catch(() => '');
  const deadline = Date.now() + 10_000;
  while (!(await answersStun(port))) {
    const problem =
      failure !== undefined
        ? `could not start turnserver (apt-get install -y coturn): ${failure.message}`
        : child.exitCode !== null
          ? 'turnserver exited early'
          : Date.now() > deadline
            ? `turnserver did not answer STUN on port ${port}`
            : undefined;
    if (problem) {
      const details = `${output}${await log()}`;
      await stop();
      throw new Error(`${problem}:\n${details}`);
    }
  }

  return {
    urls: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    log,
    // coturn logs `session <id>: new, realm=<…>, username=<…>, lifetime=…` for each allocation.
    relayedAllocations: async () => (await log()).match(/: new, realm=/g)?.length ?? 0,
    stop,
  };
}

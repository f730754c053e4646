// A throwaway PostgreSQL cluster for tests: its own temporary directory, its own port, gone afterwards.
// Never a system service. Unit tests share one cluster per run (postgres-global-setup.ts); e2e and
// cluster tests may start their own with startPostgres().
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** `postgres://` URL of an empty database named `parley`, ready for PARLEY_DATABASE_URL. */
  url: string;
  /** `postgres://` URL of the cluster's maintenance database, for creating more databases. */
  adminUrl: string;
  port: number;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

/** Thrown when the PostgreSQL programs are not installed; the message says how to install them. */
export class PostgresMissingError extends Error {}

const VERSIONS_DIR = '/usr/lib/postgresql';
const READY_TIMEOUT_MS = 20_000;

/** The bin directory of the newest PostgreSQL installed the Debian way (/usr/lib/postgresql/<n>/bin). */
export function postgresBinDir(): string {
  const versions = existsSync(VERSIONS_DIR)
    ? readdirSync(VERSIONS_DIR)
        .filter((name) => existsSync(path.join(VERSIONS_DIR, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new PostgresMissingError(
      `PostgreSQL is not installed (no ${VERSIONS_DIR}/<version>/bin/initdb). The database tests start their ` +
        'own PostgreSQL server; install it with:  apt-get install -y postgresql  (npm test does this when run as root).',
    );
  }
  return path.join(VERSIONS_DIR, versions[0], 'bin');
}

/**
 * PostgreSQL refuses to run as root, so as root every program runs as the `postgres` user (which
 * the Debian package creates); anyone else runs them as themselves.
 */
function asPostgresUser(program: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

function run(program: string, args: string[]): void {
  const [command, commandArgs] = asPostgresUser(program, args);
  const result = spawnSync(command, commandArgs, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${path.basename(program)} failed (${result.status ?? result.signal}): ${result.stderr}`);
  }
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

/** Resolves once the server accepts connections; rejects when it exited or took too long. */
async function waitUntilReady(adminUrl: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited at start:\n${readFileSync(logFile, 'utf8')}`);
    }
    const client = new pg.Client({ connectionString: adminUrl });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`postgres not ready after ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Creates a cluster in a new temporary directory (owned by `postgres` when we are root), starts it
 * on a free loopback port with its unix socket in that directory, and creates the database `parley`.
 * Tuned for tests (no fsync): never point it at data you want to keep.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-postgres-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const dataDir = path.join(dir, 'data');
  try {
    run(path.join(bin, 'initdb'), [
      '--pgdata',
      dataDir,
      '--auth=trust',
      '--username=postgres',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
    // A port can be taken between probing and binding: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        return await startOn(bin, dir, port);
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs postgres under a small shell that holds our end of a pipe: when this process ends, however it
 * ends (even SIGKILL), the pipe closes and the shell stops the server (fast shutdown).
 */
const SUPERVISOR = [
  'exec 3<&0', // our pipe; background jobs would otherwise get /dev/null as stdin
  '"$@" </dev/null & server=$!',
  '( read -r _ <&3; kill -INT "$server" 2>/dev/null ) &',
  'wait "$server"',
].join('\n');

async function startOn(bin: string, dir: string, port: number): Promise<PostgresServer> {
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, `postgres-${port}.log`);
  const [command, args] = asPostgresUser('/bin/sh', [
    '-c',
    SUPERVISOR,
    'postgres-supervisor',
    path.join(bin, 'postgres'),
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ]);
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['pipe', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.stdin?.end();
    await exited;
  };
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilReady(adminUrl, child, logFile);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query('create database parley');
    await admin.end();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/parley`,
    adminUrl,
    port,
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh, empty schema in the server's database, and a URL whose connections use it (search_path).
 * Much cheaper than a database per test (about 1 ms against 60), and just as separate for Parley,
 * which never names a schema.
 */
export async function createTestSchema(databaseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await query(`create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), drop: () => query(`drop schema ${schema} cascade`) };
}

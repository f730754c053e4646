import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const serverMain = path.join(root, 'packages/server/dist/main.js');
const cli = path.join(root, 'packages/server/dist/cli.js');
/** The test server (never built into dist/): test build of the web app, in-process SFU with the hostile hook. */
const testServerMain = path.join(root, 'packages/server/test/hostile/test-server.ts');

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function bindUdp(port: number): Promise<ReturnType<typeof createSocket>> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

/** The first of `count` consecutive free UDP ports (media worker i uses PARLEY_RTC_PORT + i). */
async function freeUdpPorts(count: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    // Below Linux's ephemeral range (32768–60999): an idle media worker does not hold its port, and
    // a browser's or bot's ICE socket could otherwise be given it by the kernel in the meantime.
    const first = 20000 + Math.floor(Math.random() * 12000);
    const bound: Array<ReturnType<typeof createSocket>> = [];
    try {
      for (let i = 0; i < Math.max(count, 1); i++) bound.push(await bindUdp(first + i));
      return first;
    } catch (error) {
      if (attempt === 20) throw error;
    } finally {
      await Promise.all(bound.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    }
  }
}

/** A Parley server started from the built files, with its own data directory and ports. */
export interface RunningServer {
  url: string;
  dataDir: string;
  /** Everything the server printed, stdout and stderr (for privacy checks and debugging). */
  output(): string;
  addUser(username: string, password: string, admin?: boolean): Promise<void>;
  /** Sends the process a signal (SIGKILL: a crash, SIGTERM: a cluster drain) and waits for it to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /**
   * Kills the server (SIGKILL by default: a crash, no goodbye to anyone) and starts it again on the
   * same ports and data directory; resolves once it is healthy again.
   */
  restart(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Run packages/server/test/hostile/test-server.ts instead of the production build: it serves the
   * test build of the web app (packages/web/dist-test, with the E2EE frame tap; built here when
   * missing or older than dist/) and lets the test script a hostile SFU (`POST /__test/sfu`).
   */
  testServer?: boolean;
}

export async function startServer(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<RunningServer> {
  if (options.testServer) await ensureTestClient();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-e2e-'));
  const port = env.PORT ? Number(env.PORT) : await freeTcpPort();
  // Two media workers unless the test says otherwise (not one per core: the same on every machine).
  const mediaWorkers = options.testServer ? '0' : (env.PARLEY_MEDIA_WORKERS ?? '2');
  const rtcPort = await freeUdpPorts(Number(mediaWorkers));
  const fullEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PARLEY_DATA_DIR: dataDir,
    PARLEY_RTC_PORT: String(rtcPort),
    PARLEY_MEDIA_WORKERS: mediaWorkers,
    LOG_LEVEL: 'info',
    ...env,
  };
  let output = '';
  const url = `http://127.0.0.1:${port}`;
  /** Spawns the server and waits until it answers /healthz. */
  const launch = async (): Promise<ChildProcess> => {
    const args = options.testServer
      ? ['--import', 'tsx', '--conditions=parley-source', testServerMain]
      : [serverMain];
    const started: ChildProcess = spawn(process.execPath, args, {
      env: fullEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    started.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    // The test server compiles its TypeScript on start (tsx): slower on a loaded machine.
    const deadline = Date.now() + (options.testServer ? 60_000 : 20_000);
    for (;;) {
      if (started.exitCode !== null) throw new Error(`server exited early:\n${output}`);
      try {
        const response = await fetch(`${url}/healthz`);
        if (response.ok) return started;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        // Not left running behind a failed test.
        started.kill('SIGKILL');
        throw new Error(`server did not become healthy:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  let child = await launch();
  const run = promisify(execFile);
  const server: RunningServer = {
    url,
    dataDir,
    output: () => output,
    async addUser(username, password, admin = false) {
      await run(process.execPath, [cli, 'user', 'add', username, ...(admin ? ['--admin'] : [])], {
        env: { ...fullEnv, PARLEY_PASSWORD: password },
      });
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
    async restart(signal = 'SIGKILL') {
      await server.kill(signal);
      child = await launch();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Builds the test variant of the web app (packages/web/dist-test) unless it is newer than dist/. */
export async function ensureTestClient(): Promise<string> {
  const web = path.join(root, 'packages/web');
  const built = async (dir: string) =>
    stat(path.join(web, dir, 'index.html')).then(
      (info) => info.mtimeMs,
      () => 0,
    );
  const [production, test] = await Promise.all([built('dist'), built('dist-test')]);
  const dir = path.join(web, 'dist-test');
  if (test > 0 && test >= production) return dir;
  // As `npm run build` has it: the test runner's NODE_ENV=test would switch JSX to its dev transform.
  await promisify(execFile)('npm', ['run', 'build:test', '-w', '@parley/web'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return dir;
}

// Janus WebRTC Gateway as the forwarding benchmark's peer SFU: a configuration of its own in a
// temporary directory (VideoRoom plugin and HTTP transport only, nothing else loaded), the process
// started inside the forwarder's network namespace and pinned like Parley's SFU, and its CPU time
// (all threads) read from /proc.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const JANUS_HTTP_PORT = 8088;
/** Janus's own RTP/RTCP port range (the bots bind ephemeral ports in their namespace). */
const RTP_PORT_RANGE = '31000-31999';
/** Where Debian (and Janus's own `make install`) put the plugin and transport modules. */
const MODULE_DIRS = [
  `/usr/lib/${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/janus`,
  '/usr/lib/janus',
  '/usr/local/lib/janus',
  '/opt/janus/lib/janus',
];

export interface JanusOptions {
  /** Address of the HTTP API and of the ICE candidates (an address of the namespace's veth). */
  address: string;
  /** Command prefix that puts Janus in its network namespace. */
  namespacePrefix: string[];
  /** CPU to pin Janus to (every thread), or null. */
  cpu: number | null;
  /**
   * Janus's `event_loops`: 0 (its default) gives every handle its own thread and event loop; n > 0
   * shares n loops among all handles.
   */
  eventLoops: number;
}

const CONFIG_PREFIX = 'parley-bench-janus-';

/** Configuration directories of earlier runs whose process is gone (killed before it cleaned up). */
export function removeStaleConfigs(): void {
  for (const name of readdirSync(os.tmpdir())) {
    const pid = Number(new RegExp(`^${CONFIG_PREFIX}(\\d+)-`).exec(name)?.[1] ?? 0);
    if (pid === 0) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** Why Janus cannot run here, or null if it can (`janus` on the PATH and its modules found). */
export function janusUnavailable(): string | null {
  // `janus --version` prints the version and exits with status 1.
  const version = spawnSync('janus', ['--version'], { encoding: 'utf8' });
  if (version.error || !/Janus version/.test(version.stdout)) {
    return 'janus is not installed (apt-get install -y janus)';
  }
  if (!findModules())
    return `Janus's VideoRoom plugin and HTTP transport not found in ${MODULE_DIRS.join(', ')}`;
  return null;
}

export function janusVersion(): string {
  const version = spawnSync('janus', ['--version'], { encoding: 'utf8' });
  return /Janus version: \d+ \(([^)]+)\)/.exec(version.stdout)?.[1] ?? 'unknown';
}

function findModules(): { plugin: string; transport: string } | null {
  for (const dir of MODULE_DIRS) {
    const plugin = path.join(dir, 'plugins', 'libjanus_videoroom.so');
    const transport = path.join(dir, 'transports', 'libjanus_http.so');
    if (existsSync(plugin) && existsSync(transport)) return { plugin, transport };
  }
  return null;
}

/**
 * A configuration directory: janus.jcfg, the HTTP transport's and the VideoRoom plugin's files, and
 * module folders that hold only those two modules (so no other plugin, transport, event handler or
 * logger can load, whatever the installation has).
 */
function writeConfig(dir: string, options: JanusOptions): string {
  const modules = findModules()!;
  for (const folder of ['plugins', 'transports', 'events', 'loggers']) {
    spawnSync('mkdir', ['-p', path.join(dir, folder)]);
  }
  symlinkSync(modules.plugin, path.join(dir, 'plugins', 'libjanus_videoroom.so'));
  symlinkSync(modules.transport, path.join(dir, 'transports', 'libjanus_http.so'));
  const file = path.join(dir, 'janus.jcfg');
  writeFileSync(
    file,
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${dir}/plugins"
  transports_folder = "${dir}/transports"
  events_folder = "${dir}/events"
  loggers_folder = "${dir}/loggers"
  debug_level = 3
  debug_timestamps = false
  log_to_stdout = true
  session_timeout = 0
  interface = "${options.address}"
  event_loops = ${options.eventLoops}
}
media: {
  ipv6 = false
  rtp_port_range = "${RTP_PORT_RANGE}"
  no_media_timer = 0
}
nat: {
  nice_debug = false
  ice_enforce_list = "${options.address}"
}
plugins: {
}
transports: {
}
loggers: {
}
events: {
  broadcast = false
}
`,
  );
  writeFileSync(
    path.join(dir, 'janus.transport.http.jcfg'),
    `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${JANUS_HTTP_PORT}
  ip = "${options.address}"
  https = false
}
admin: {
  admin_http = false
  admin_https = false
}
`,
  );
  // Rooms are created over the API (janus-load-process.ts); the plugin needs its file all the same.
  writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  return file;
}

/** A running Janus; `cpuMicros()` is the CPU time of all its threads. */
export class JanusServer {
  private readonly dir: string;
  private readonly child: ChildProcess;
  private output = '';
  private exited = false;
  private readonly clockTicks: number;

  constructor(options: JanusOptions) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `${CONFIG_PREFIX}${process.pid}-`));
    const config = writeConfig(this.dir, options);
    const pin = options.cpu === null ? [] : ['taskset', '-c', String(options.cpu)];
    // `ip netns exec` and `taskset` exec into the next program: the child's pid is Janus's.
    const [command, ...args] = [
      ...options.namespacePrefix,
      ...pin,
      'janus',
      '-F',
      this.dir,
      '-C',
      config,
      '-o',
    ];
    this.child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.once('exit', () => {
      this.exited = true;
    });
    this.clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Wait until the HTTP transport answers `info`. `probe` runs in the bots' namespace (see caller). */
  async ready(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (this.exited) throw new Error(`janus exited at start:\n${this.log()}`);
      if (Date.now() > deadline) throw new Error(`janus did not answer on HTTP:\n${this.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const comm = readFileSync(`/proc/${this.pid}/comm`, 'utf8').trim();
    if (comm !== 'janus') throw new Error(`pid ${this.pid} is ${comm}, not janus`);
  }

  /**
   * CPU time of all of Janus's threads, µs: the sum of their run times in /proc/<pid>/task/<tid>/schedstat
   * (nanoseconds). Janus's threads live as long as its handles, so over a window this is its whole CPU.
   */
  cpuMicros(): number {
    let nanoseconds = 0;
    for (const task of readdirSync(`/proc/${this.pid}/task`)) {
      try {
        nanoseconds += Number(readFileSync(`/proc/${this.pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return nanoseconds / 1000;
  }

  /**
   * utime + stime of the whole process (every thread, ended ones too) from /proc/<pid>/stat, µs: the
   * same CPU time in 10 ms ticks, reported beside the precise figure as a check.
   */
  statCpuMicros(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / this.clockTicks;
  }

  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }

  threads(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }

  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** For exit handlers: kill at once, synchronously. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

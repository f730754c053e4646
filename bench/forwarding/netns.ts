// Two network namespaces joined by a veth pair, for the Janus comparison of the forwarding benchmark.
//
// Why: Janus skips loopback interfaces when it gathers ICE candidates, so it cannot be reached on
// 127.0.0.1. Here it gets 127.0.1.1 on a veth interface in its own namespace, and the bots get
// 127.0.1.2 on the other end, in a second namespace. Both namespaces keep `lo` down: with it up the
// kernel would route all of 127.0.0.0/8 to `lo`, and `route_localnet` lets 127.x addresses cross a
// real interface. Nothing changes in the host's own network; deleting the namespaces removes the
// veth pair with them. Needs root (`ip netns add`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export const JANUS_ADDRESS = '127.0.1.1';
export const BOTS_ADDRESS = '127.0.1.2';
const PREFIX = 'parley-bench-';

export interface BenchNetwork {
  /** Namespace of the forwarder under test (Janus), holding JANUS_ADDRESS. */
  forwarder: string;
  /** Namespace of the load generator (bots), holding BOTS_ADDRESS. */
  bots: string;
  /** Delete both namespaces (idempotent; synchronous so that it also works from an exit handler). */
  close(): void;
}

/** A system tool by absolute path when it is in a usual place (root's PATH may lack /usr/sbin). */
function tool(name: string): string {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return name;
}

function ip(...args: string[]): void {
  const result = spawnSync(tool('ip'), args, { encoding: 'utf8' });
  if (result.error) throw new Error(`ip ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
}

function sysctl(namespace: string, setting: string): void {
  ip('netns', 'exec', namespace, tool('sysctl'), '-q', '-w', setting);
}

/**
 * The benchmark's namespaces left behind by runs whose process is gone (killed before it could clean
 * up), and whatever still runs inside them (an orphaned Janus or load generator).
 */
function removeStale(): void {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return;
  }
  for (const name of names) {
    const match = new RegExp(`^${PREFIX}(?:forwarder|bots)-(\\d+)$`).exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) continue;
    const pids = spawnSync(tool('ip'), ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
    for (const orphan of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(orphan), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    spawnSync(tool('ip'), ['netns', 'del', name]);
  }
}

/** Create the two namespaces and the veth pair between them; throws with the reason if it cannot. */
export function createBenchNetwork(): BenchNetwork {
  removeStale();
  const forwarder = `${PREFIX}forwarder-${process.pid}`;
  const bots = `${PREFIX}bots-${process.pid}`;
  const created: string[] = [];
  const close = () => {
    for (const name of created.splice(0)) spawnSync(tool('ip'), ['netns', 'del', name]);
  };
  try {
    for (const name of [forwarder, bots]) {
      ip('netns', 'add', name);
      created.push(name);
    }
    // Interface names are per namespace, so fixed names cannot clash with another run's.
    const peer = ['peer', 'name', 'veth-bots', 'netns', bots];
    ip('link', 'add', 'veth-fwd', 'netns', forwarder, 'type', 'veth', ...peer);
    for (const [namespace, device, address] of [
      [forwarder, 'veth-fwd', JANUS_ADDRESS],
      [bots, 'veth-bots', BOTS_ADDRESS],
    ] as const) {
      sysctl(namespace, 'net.ipv4.conf.all.route_localnet=1');
      sysctl(namespace, `net.ipv4.conf.${device}.route_localnet=1`);
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', device);
      ip('-n', namespace, 'link', 'set', device, 'up');
    }
    return { forwarder, bots, close };
  } catch (error) {
    close();
    throw error;
  }
}

/** The command prefix that runs a program inside `namespace`. */
export function inNamespace(namespace: string): string[] {
  return [tool('ip'), 'netns', 'exec', namespace];
}

// Request/response over a child process's IPC channel, for the forwarding benchmark: the load
// generator (parent) calls the forwarding server (child) and the child pushes events back.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ServerMeasure {
  /** process.cpuUsage() of the server process: every thread, user + system, µs. */
  cpuMicros: number;
  /** The same CPU time from a coarser source, as a check (Janus: /proc/<pid>/stat in 10 ms ticks). */
  checkCpuMicros?: number;
  /** Packets the server handed to its transport for subscribers (its own count). */
  sent: number;
  rssBytes: number;
  /**
   * Time the server's JS thread was runnable but waiting for a CPU (/proc schedstat), µs: how much
   * other processes on its CPU held it back. Absent where the kernel does not tell.
   */
  waitMicros?: number;
}

type Message =
  | { type: 'reply'; id: number; result?: unknown; error?: string }
  | { type: 'event'; name: string; payload: unknown }
  | { type: 'ready' };

/**
 * A forwarding server (or a load generator) in its own process, pinned to `cpu` with taskset when
 * given, started behind `prefix` when given (e.g. `ip netns exec <namespace>`).
 */
export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly listeners = new Map<string, (payload: unknown) => void>();
  private readonly child: ChildProcess;
  readonly ready: Promise<void>;

  constructor(
    file: string,
    cpu: number | null,
    env: Record<string, string> = {},
    prefix: string[] = [],
    nodeFlags: string[] = [],
  ) {
    const node = [process.execPath, ...nodeFlags, '--import', 'tsx', file];
    const pinned = cpu === null ? node : ['taskset', '-c', String(cpu), ...node];
    const [command, ...args] = [...prefix, ...pinned];
    this.child = spawn(command!, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
      this.child.on('message', (message: Message) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'event') this.listeners.get(message.name)?.(message.payload);
        else if (message.type === 'reply') {
          const waiting = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error !== undefined) waiting?.reject(new Error(message.error));
          else waiting?.resolve(message.result);
        }
      });
    });
  }

  call<T>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, method, args });
    });
  }

  on(name: string, listener: (payload: unknown) => void): void {
    this.listeners.set(name, listener);
  }

  measure(): Promise<ServerMeasure> {
    return this.call<ServerMeasure>('measure');
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ id: 0, method: 'exit', args: [] });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** In the child: answer the parent's calls with `methods`, and send events with the returned function. */
export function serve(
  methods: Record<string, (...args: never[]) => unknown>,
  onExit: () => Promise<void>,
): (name: string, payload: unknown) => void {
  const send = (message: Message) => process.send?.(message);
  process.on('message', async (message: { id: number; method: string; args: never[] }) => {
    if (message.method === 'exit') {
      await onExit();
      process.exit(0);
    }
    try {
      const method = methods[message.method];
      if (!method) throw new Error(`unknown method ${message.method}`);
      const result = await method(...message.args);
      send({ type: 'reply', id: message.id, result });
    } catch (error) {
      send({ type: 'reply', id: message.id, error: (error as Error).message });
    }
  });
  // The benchmark died without stopping this process (its IPC channel closed): do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
  return (name, payload) => send({ type: 'event', name, payload });
}

export function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Run-queue wait of this process's main (JS) thread so far, µs; undefined without /proc schedstat. */
export function runQueueWaitMicros(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/schedstat', 'utf8').split(' ');
    return Number(fields[1]) / 1000;
  } catch {
    return undefined;
  }
}

// Privacy: keeps nothing personal (pending request ids, counters, the worker thread).
import { Worker } from 'node:worker_threads';
import { LOG_LEVELS, type Logger, type LogLevel } from '../api/logger.js';
import { MediaError } from '../api/media-error.js';
import type { MediaPlaneOptions, MediaPlaneStats } from '../api/media-plane.js';
import type {
  CommandArgs,
  CommandMessage,
  CommandName,
  CommandResult,
  EventMessage,
  FromWorker,
  MediaWorkerData,
  ToWorker,
} from './messages.js';
import { mediaWorkerEntry } from './worker-entry.js';

/** Waits before starting a worker again after a start failed (port still bound): doubles up to the max. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/**
 * How long close() waits for the worker to close its SFU before terminating it: longer than the SFU's
 * own wait for native handles (2 s) plus node-datachannel's cleanup (up to 10 s). A worker terminated
 * before its cleanup ran leaves its libdatachannel copy behind, which aborts the process at exit.
 */
const CLOSE_TIMEOUT_MS = 15_000;
/** How often the watchdog pings each worker. */
const HEARTBEAT_INTERVAL_MS = 1000;

/** When the watchdog acts on a worker (MediaWorkerPool's `watchdog` option). */
export interface WatchdogLimits {
  /** A worker that has sent nothing (no pong, no stats) for this long is taken out of service. Default 10 s. */
  stallMs: number;
  /** A worker whose JavaScript heap grows beyond this (MiB) is recycled. Default 1024. */
  heapMb: number;
}
export const DEFAULT_WATCHDOG: WatchdogLimits = { stallMs: 10_000, heapMb: 1024 };

/** `stalled`: out of service after the watchdog saw it stop answering (see checkHeartbeat). */
export type SlotState = 'starting' | 'ready' | 'stalled' | 'down' | 'closed';

export interface SlotListeners {
  event(message: EventMessage): void;
  /** The worker ended unexpectedly: everything it held is gone. `counters`: its last forwarded totals. */
  lost(counters: { packetsForwarded: number; bytesForwarded: number }): void;
  /** The worker's SFU is up (first start or a replacement). */
  ready(): void;
  /** A worker ended before it was ready (e.g. its UDP port is taken); the slot tries again later. */
  startFailed(message: string): void;
}

interface Pending {
  resolve(value: CommandResult<CommandName>): void;
  reject(error: Error): void;
}

/**
 * One place of the pool: a worker thread running an Sfu on a fixed UDP port, replaced by a fresh
 * worker on the same port when it ends unexpectedly. Requests to a worker that ends fail with a
 * MediaError `closed`.
 */
export class WorkerSlot {
  state: SlotState = 'starting';
  /** The worker's last reported counters (zero until it reports). */
  stats: MediaPlaneStats = emptyStats();
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly workerLogger: Logger;
  /** The close of a worker being recycled (no longer `worker`), until it has ended. */
  private recycling: Promise<void> | null = null;
  /** Why the current worker failed, if it said (start-failed message or uncaught error). */
  private failure: string | null = null;
  /** When the current worker last sent anything (its thread ran). */
  private lastHeard = Date.now();
  private readonly heartbeat: NodeJS.Timeout;
  /** Times the watchdog took this slot's worker out of service (stalled), over the slot's life. */
  stalls = 0;

  constructor(
    readonly index: number,
    private readonly options: MediaPlaneOptions,
    private readonly logger: Logger,
    private readonly listeners: SlotListeners,
    private readonly limits: WatchdogLimits = DEFAULT_WATCHDOG,
  ) {
    this.workerLogger = logger.child({ worker: index });
    this.heartbeat = setInterval(
      () => this.checkHeartbeat(),
      Math.min(HEARTBEAT_INTERVAL_MS, limits.stallMs / 4),
    );
    this.heartbeat.unref();
    this.start();
  }

  get rtcPort(): number {
    return this.options.rtcPort;
  }

  /** Run a MediaPlane call on the worker; resolves with what the method returned there. */
  request<K extends CommandName>(name: K, args: CommandArgs<K>): Promise<CommandResult<K>> {
    if ((this.state !== 'ready' && this.state !== 'starting') || !this.worker) {
      return Promise.reject(new MediaError('closed', 'The media server is restarting; try again.'));
    }
    const id = this.nextId++;
    const message = { type: 'command', id, name, args } as CommandMessage;
    // The worker answers id with the result of this very command (serve-media-plane.ts), so the value
    // of that `result` is a CommandResult<K>: the one place the channel narrows it.
    return this.call(this.worker, message, id) as Promise<CommandResult<K>>;
  }

  /** Tests only: make the worker throw an uncaught exception, loop for a while, or leak memory. */
  misbehave(how: 'crash' | 'leak' | { stallMs: number }): void {
    const message: ToWorker = typeof how === 'string' ? { type: how } : { type: 'stall', ms: how.stallMs };
    this.worker?.postMessage(message);
  }

  /** Close the worker's SFU and end the worker (terminated if it does not answer in time). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const worker = this.worker;
    this.state = 'closed';
    // A worker being recycled is no longer `this.worker`, but it is still closing its native
    // library: returning before it has ended would let the process exit under its threads (abort).
    await Promise.all([worker ? this.closeWorker(worker) : undefined, this.recycling]);
  }

  /**
   * Watchdog, every second. A ready worker whose thread has sent nothing for `stallMs` (a runaway
   * loop, a thread drowned in native callbacks) is taken out of service: its meetings are reported
   * lost, so the control plane moves them to a worker that is up. It is NOT terminated: its
   * libdatachannel threads would go on calling into the dead thread and abort the whole process;
   * only the worker itself can release them (node-datachannel's cleanup). So it keeps being pinged,
   * and once it answers again it is closed properly and replaced (recycle). One that never answers
   * again keeps its UDP port and a core until the process restarts (logged at error level).
   */
  private checkHeartbeat(): void {
    const worker = this.worker;
    if (!worker) return;
    const silentMs = Date.now() - this.lastHeard;
    if (this.state === 'ready' && silentMs >= this.limits.stallMs) {
      this.stalls++;
      this.state = 'stalled';
      this.logger.error(
        { worker: this.index, silentMs },
        'media worker stopped answering; its meetings move to other workers',
      );
      this.dropWork();
    }
    if (this.state === 'ready' || this.state === 'stalled') {
      worker.postMessage({ type: 'ping', id: 0 } satisfies ToWorker);
    }
  }

  /** Fail pending requests and report everything the worker held as lost. */
  private dropWork(): void {
    for (const { reject } of this.pending.values()) {
      reject(new MediaError('closed', 'The media server restarted; try again.'));
    }
    this.pending.clear();
    const { packetsForwarded, bytesForwarded } = this.stats;
    this.stats = emptyStats();
    this.listeners.lost({ packetsForwarded, bytesForwarded });
  }

  /**
   * Replace a worker that still answers (back from a stall, or heap over the limit): close its SFU
   * and native library in the worker, end it, start a fresh one on the same port.
   */
  private async recycle(reason: string): Promise<void> {
    const worker = this.worker;
    if (!worker || this.state === 'closed' || this.state === 'down') return;
    this.worker = null; // exited() ignores it from now on
    if (this.state === 'ready') this.dropWork();
    this.state = 'down';
    this.logger.warn({ worker: this.index, reason }, 'media worker recycled');
    const closing = this.closeWorker(worker);
    this.recycling = closing;
    await closing;
    if (this.recycling === closing) this.recycling = null;
    if (this.state === 'down') this.start();
  }

  /** Ask `worker` to close its SFU (which ends with node-datachannel's cleanup), then end it. */
  private async closeWorker(worker: Worker): Promise<void> {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const id = this.nextId++;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
    await Promise.race([this.call(worker, { type: 'close', id }, id).catch(() => {}), timeout]);
    await worker.terminate();
    await exited;
  }

  private call(worker: Worker, message: ToWorker, id: number): Promise<CommandResult<CommandName>> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(message);
    });
  }

  private start(): void {
    this.retryTimer = null;
    this.state = 'starting';
    this.failure = null;
    this.lastHeard = Date.now();
    const { script, options } = mediaWorkerEntry();
    const workerData: MediaWorkerData = { options: this.options, logLevel: this.logger.level };
    // No resourceLimits: V8 ending a worker at its heap limit is a termination, which aborts the
    // process while the worker has connections (see checkHeartbeat); the watchdog recycles it first.
    const worker = new Worker(script, { ...options, workerData });
    this.worker = worker;
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => {
      this.failure = error.message;
      this.logger.error({ err: error, worker: this.index }, 'media worker failed');
    });
    worker.on('exit', (code) => this.exited(worker, code));
  }

  private receive(message: FromWorker): void {
    this.lastHeard = Date.now();
    if (this.state === 'stalled') {
      void this.recycle('answered again after a stall');
      return;
    }
    switch (message.type) {
      case 'pong':
        if (message.heapUsed > this.limits.heapMb * 2 ** 20) {
          void this.recycle(`JavaScript heap ${Math.round(message.heapUsed / 2 ** 20)} MiB`);
        }
        break;
      case 'ready':
        this.state = 'ready';
        this.retryMs = RETRY_FIRST_MS;
        this.listeners.ready();
        break;
      case 'start-failed':
        this.failure = message.message;
        break;
      case 'result':
        this.settle(message.id)?.resolve(message.value);
        break;
      case 'error': {
        const { code, message: text } = message.error;
        this.settle(message.id)?.reject(code ? new MediaError(code, text) : new Error(text));
        break;
      }
      case 'event':
        this.listeners.event(message);
        break;
      case 'stats':
        this.stats = message.stats;
        break;
      case 'log':
        this.log(message.line);
        break;
    }
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    return pending;
  }

  private exited(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = null;
    const wasReady = this.state === 'ready';
    if (this.state === 'closed') {
      this.pending.clear();
      return;
    }
    if (!wasReady) this.listeners.startFailed(this.failure ?? `The media worker ended with code ${code}.`);
    this.state = 'down';
    this.logger.warn({ worker: this.index, exitCode: code }, 'media worker ended; starting a new one');
    this.dropWork();
    // A worker that ran is replaced at once (its exit handler released the port); one that could
    // not start waits, longer each time, for the port to come free.
    const delay = wasReady ? 0 : this.retryMs;
    if (!wasReady) this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => this.start(), delay);
    this.retryTimer.unref();
  }

  /** Write a worker's log record (api/json-logger.ts) through the main logger (which may redact again). */
  private log(line: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, time: _time, ...fields } = record;
    const label = (Object.keys(LOG_LEVELS) as LogLevel[]).find((name) => LOG_LEVELS[name] === level);
    if (!label) return;
    this.workerLogger[label](fields, typeof msg === 'string' ? msg : '');
  }
}

function emptyStats(): MediaPlaneStats {
  return {
    rooms: 0,
    participants: 0,
    peerConnections: 0,
    publishedTracks: 0,
    subscriptions: 0,
    timers: 0,
    packetsForwarded: 0,
    bytesForwarded: 0,
  };
}

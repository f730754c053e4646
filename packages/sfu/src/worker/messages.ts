import type { MediaErrorCode } from '../api/media-error.js';
import type { MediaPlane, MediaPlaneEvents, MediaPlaneOptions, MediaPlaneStats } from '../api/media-plane.js';

/**
 * The messages between MediaWorkerPool (main thread) and a media worker (media-worker.ts). Plain data
 * only (structured clone). Privacy: they carry ids, SDP and counts, never names or addresses, and
 * log records are forwarded to the main thread's logger, which redacts again.
 */

/** What a media worker is started with (`workerData`). */
export interface MediaWorkerData {
  /** The worker's own plane options: its rtcPort is the pool's first port + its index. */
  options: MediaPlaneOptions;
  /** Level of the main thread's logger (api/logger.ts), so the worker does not even format what would be dropped. */
  logLevel: string;
}

/** The MediaPlane methods a worker carries out. */
export type CommandName =
  | 'openRoom'
  | 'closeRoom'
  | 'addParticipant'
  | 'removeParticipant'
  | 'publish'
  | 'subscribe'
  | 'subscriberAnswer'
  | 'setAudioHeld'
  | 'setSpeakerState'
  | 'requestKeyframes'
  | 'setVideoSize'
  | 'setVideoReception';

export type CommandArgs<K extends CommandName> = Parameters<MediaPlane[K]>;
/** What a command's `result` carries: what the MediaPlane method returns (its promise's value). */
export type CommandResult<K extends CommandName> = Awaited<ReturnType<MediaPlane[K]>>;

/** A MediaPlane call; the worker replies with a `result` or an `error` carrying the same id. */
export type CommandMessage = {
  [K in CommandName]: { type: 'command'; id: number; name: K; args: CommandArgs<K> };
}[CommandName];

/** Main thread → worker. */
export type ToWorker =
  | CommandMessage
  /** Close the SFU; the worker replies `result` and then ends. */
  | { type: 'close'; id: number }
  /** Heartbeat (watchdog): the worker answers `pong` with the same id at once. */
  | { type: 'ping'; id: number }
  /** Tests only: throw an uncaught exception in the worker, as a bug would. */
  | { type: 'crash' }
  /** Tests only: block the worker's thread in a loop for `ms`, as a runaway parser would. */
  | { type: 'stall'; ms: number }
  /** Tests only: allocate without end, as a leak would (ends in the worker's heap limit). */
  | { type: 'leak' };

/** A failed command: a MediaError keeps its code, anything else becomes a plain error. */
export interface SerializedError {
  code: MediaErrorCode | null;
  message: string;
}

/** Worker → main thread. */
export type FromWorker =
  /** The SFU is up on its port. */
  | { type: 'ready' }
  /** The SFU could not start (port taken); the worker ends right after. */
  | { type: 'start-failed'; message: string }
  /** A command's (or `close`'s) result: the value of the command with the same id (CommandResult). */
  | { type: 'result'; id: number; value: CommandResult<CommandName> }
  | { type: 'error'; id: number; error: SerializedError }
  | EventMessage
  /** Current counters, sent every STATS_INTERVAL_MS (MediaPlane.stats() must answer synchronously). */
  | { type: 'stats'; stats: MediaPlaneStats }
  /** One log record (a JSON line, api/json-logger.ts) for the main thread's logger. */
  | { type: 'log'; line: string }
  /** Answer to `ping`, with the worker's JavaScript heap in use (bytes). */
  | { type: 'pong'; id: number; heapUsed: number };

/** Events of a worker's Sfu (`rooms-lost` is the pool's own). */
export type WorkerEventName = Exclude<keyof MediaPlaneEvents, 'rooms-lost'>;

export type EventMessage = {
  [E in WorkerEventName]: { type: 'event'; event: E; payload: MediaPlaneEvents[E] };
}[WorkerEventName];

/** How often a worker reports its counters (ms). */
export const STATS_INTERVAL_MS = 500;

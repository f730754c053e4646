import { getHeapStatistics } from 'node:v8';
import type { MessagePort } from 'node:worker_threads';
import ndc from 'node-datachannel';
import { createJsonLogger } from '../api/json-logger.js';
import { MediaError } from '../api/media-error.js';
import { Sfu } from '../room/sfu.js';
import {
  type CommandMessage,
  type CommandName,
  type CommandResult,
  type FromWorker,
  type MediaWorkerData,
  type SerializedError,
  STATS_INTERVAL_MS,
  type ToWorker,
  type WorkerEventName,
} from './messages.js';
import { probeUdpPort } from './port-probe.js';

/** How long a worker that hit a bug takes to close its connections before it exits anyway. */
const CRASH_CLOSE_TIMEOUT_MS = 5000;
const FORWARDED_EVENTS: WorkerEventName[] = [
  'subscriber-offer',
  'connection-closed',
  'active-speakers',
  'video-bandwidth-pause',
  'simulcast-layers',
];

/** Run an Sfu in this worker thread, serving the pool's commands arriving on `port`. */
export async function serveMediaPlane(port: MessagePort, data: MediaWorkerData): Promise<void> {
  const post = (message: FromWorker) => port.postMessage(message);
  // Records go to the main thread's logger (which redacts and scrubs again); JSON lines, one per call.
  const logger = createJsonLogger(data.logLevel, (line) => post({ type: 'log', line }));

  let sfu: Sfu;
  try {
    await probeUdpPort(data.options.rtcPort, data.options.bindAddress);
    sfu = new Sfu(data.options, logger, { holdPort: false });
  } catch (error) {
    post({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(2);
  }

  let closed = false;
  let closing: Promise<void> | null = null;
  /** Close the SFU once: its connections, then node-datachannel's cleanup (releaseNative). */
  const closeSfu = () =>
    (closing ??= sfu.close().then(
      () => {
        closed = true;
      },
      () => {},
    ));
  // A bug (uncaught exception) ends the worker the same orderly way as close(): the SFU closes its
  // connections and waits for their native handles before node-datachannel's cleanup, so no native
  // thread calls into this thread after it is gone (which aborted the process at exit now and then).
  process.on('uncaughtException', (error) => {
    logger.error({ err: error }, 'media worker: uncaught exception; closing it');
    const giveUp = new Promise<void>((resolve) => setTimeout(resolve, CRASH_CLOSE_TIMEOUT_MS).unref());
    void Promise.race([closeSfu(), giveUp]).finally(() => process.exit(1));
  });
  // A worker ending otherwise without close() (process.exit): close this thread's connections now,
  // which frees the UDP port for a replacement (libdatachannel's copy is private).
  process.on('exit', () => {
    if (!closed) ndc.cleanup();
  });

  for (const event of FORWARDED_EVENTS) {
    sfu.on(event, (payload) => post({ type: 'event', event, payload } as FromWorker));
  }
  const statsTimer = setInterval(() => post({ type: 'stats', stats: sfu.stats() }), STATS_INTERVAL_MS);
  statsTimer.unref();

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'command':
        void run(sfu, message, data).then(post);
        break;
      case 'close':
        clearInterval(statsTimer);
        void closeSfu().then(() => post({ type: 'result', id: message.id, value: undefined }));
        break;
      case 'ping':
        post({ type: 'pong', id: message.id, heapUsed: getHeapStatistics().used_heap_size });
        break;
      case 'crash':
        setImmediate(() => {
          throw new Error('media worker crash requested by a test');
        });
        break;
      case 'stall':
        setImmediate(() => {
          const until = Date.now() + message.ms;
          while (Date.now() < until) {
            // a test's runaway loop (a parser on hostile input would do this)
          }
        });
        break;
      case 'leak': {
        const kept: number[][] = [];
        const grow = () => {
          kept.push(new Array(1_000_000).fill(kept.length));
          setTimeout(grow, 5);
        };
        grow();
        break;
      }
    }
  });
  post({ type: 'ready' });
  post({ type: 'stats', stats: sfu.stats() });
}

/** Carry out one MediaPlane call; a thrown error or rejection becomes an `error` reply. */
async function run(sfu: Sfu, command: CommandMessage, data: MediaWorkerData): Promise<FromWorker> {
  try {
    if ((command.name === 'publish' || command.name === 'subscribe') && sfu.stats().peerConnections === 0) {
      // The first connection makes libdatachannel bind the port, which an idle worker does not hold;
      // if something else took it meanwhile, that bind would abort the process: refuse instead.
      await portFree(data.options.rtcPort, data.options.bindAddress);
    }
    // Each command's args are Parameters of the method of the same name, its value what it returns
    // (messages.ts: CommandArgs, CommandResult).
    const method = sfu[command.name] as (
      ...args: unknown[]
    ) => CommandResult<CommandName> | Promise<CommandResult<CommandName>>;
    const value = await method.apply(sfu, command.args);
    return { type: 'result', id: command.id, value };
  } catch (error) {
    return { type: 'error', id: command.id, error: serializeError(error) };
  }
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof MediaError) return { code: error.code, message: error.message };
  return { code: null, message: error instanceof Error ? error.message : String(error) };
}

/**
 * Resolves once the worker's port can be bound; a few short retries cover libdatachannel releasing
 * it a moment after the last connection closed. Rejects with a MediaError when it stays taken.
 */
async function portFree(port: number, bindAddress: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await probeUdpPort(port, bindAddress);
    } catch {
      if (attempt === 5)
        throw new MediaError('closed', 'The media server cannot receive media right now. Please try again.');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

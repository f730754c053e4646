import type { Logger } from './api/logger.js';
import type { MediaPlane, MediaPlaneOptions } from './api/media-plane.js';
import { Sfu } from './room/sfu.js';
import { checkNativeAddon } from './transport/native-addon.js';
import { MediaWorkerPool } from './worker/media-worker-pool.js';

/**
 * `@parley/sfu`: Parley's selective forwarding unit on node-datachannel, usable without the rest of
 * Parley (README.md shows how). The API is the MediaPlane interface (api/media-plane.ts); Sfu runs it
 * in this thread, MediaWorkerPool on worker threads.
 */
export { createJsonLogger } from './api/json-logger.js';
export type { LogFn, Logger as MediaLogger } from './api/logger.js';
export { MediaError, type MediaErrorCode } from './api/media-error.js';
export type {
  MediaPlane,
  MediaPlaneEvents,
  MediaPlaneOptions,
  MediaPlaneStats,
  SpeakerState,
} from './api/media-plane.js';
export { SFU_MEMORY_STORES, type SfuMemoryStore } from './api/memory.js';
export {
  type IceServer,
  kindOfSource,
  type PublishedTrack,
  type SubscribedTrack,
  type TrackKind,
  type TrackSource,
  type VideoCodecName,
  type VideoReceptionMode,
} from './api/types.js';
export { Sfu, SPEAKER_INTERVAL_MS } from './room/sfu.js';
export {
  TURN_CREDENTIAL_LIFETIME_S,
  type TurnCredential,
  type TurnServerOptions,
  turnCredential,
  turnIceServers,
} from './transport/turn-credentials.js';
export { MediaWorkerPool } from './worker/media-worker-pool.js';
export { DEFAULT_WATCHDOG, type WatchdogLimits } from './worker/worker-slot.js';

/**
 * The media plane of this process: Parley's SFU on node-datachannel. `workers` 0: one Sfu in this
 * thread on options.rtcPort (UDP); n ≥ 1: n worker threads on ports rtcPort … rtcPort + n − 1
 * (PARLEY_MEDIA_WORKERS). A pool binds its ports in the background: use startMediaPlane() to wait.
 */
export function createMediaPlane(options: MediaPlaneOptions, logger: Logger, workers = 0): MediaPlane {
  return workers === 0 ? new Sfu(options, logger) : new MediaWorkerPool(options, workers, logger);
}

/**
 * createMediaPlane, resolved once every port is bound; rejects (and cleans up) when one is taken, and
 * refuses node-datachannel's addon without Parley's libdatachannel patch (native-addon.ts).
 */
export async function startMediaPlane(
  options: MediaPlaneOptions,
  logger: Logger,
  workers: number,
): Promise<MediaPlane> {
  checkNativeAddon(logger.child({ module: 'media' }));
  const plane = createMediaPlane(options, logger, workers);
  if (plane instanceof MediaWorkerPool) {
    try {
      await plane.ready();
    } catch (error) {
      await plane.close();
      throw error;
    }
  }
  return plane;
}

import type { Logger } from '../logger.js';
import type { MediaPlane, MediaPlaneOptions } from './media-plane.js';
import { checkNativeAddon } from './native-addon.js';
import { Sfu } from './sfu.js';
import { MediaWorkerPool } from './worker/media-worker-pool.js';

export { MediaError, type MediaErrorCode } from './media-error.js';
export type {
  MediaPlane,
  MediaPlaneEvents,
  MediaPlaneOptions,
  MediaPlaneStats,
  SpeakerState,
} from './media-plane.js';
export { Sfu } from './sfu.js';
export { MediaWorkerPool } from './worker/media-worker-pool.js';

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

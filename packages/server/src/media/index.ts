import type { Logger } from '../logger.js';
import type { MediaPlane, MediaPlaneOptions } from './media-plane.js';
import { Sfu } from './sfu.js';

export { MediaError, type MediaErrorCode } from './media-error.js';
export type { MediaPlane, MediaPlaneEvents, MediaPlaneOptions, MediaPlaneStats } from './media-plane.js';
export { Sfu } from './sfu.js';

/** The media plane of this process: Parley's SFU on node-datachannel, listening on options.rtcPort (UDP). */
export function createMediaPlane(options: MediaPlaneOptions, logger: Logger): MediaPlane {
  return new Sfu(options, logger);
}

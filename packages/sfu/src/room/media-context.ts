import { randomInt } from 'node:crypto';
import type { RtcConfig } from 'node-datachannel';
import type { Logger } from '../api/logger.js';
import type { MediaPlaneOptions } from '../api/media-plane.js';
import type { Timers } from './timers.js';

/** Running totals kept on the forwarding path (plain number fields: incrementing them allocates nothing). */
export class MediaCounters {
  packetsForwarded = 0;
  bytesForwarded = 0;
  keyframeRequestsSent = 0;
  retransmissions = 0;
  retransmittedBytes = 0;
  /** NACKed packets not resent: over the subscription's budget, or resent to it moments before. */
  retransmissionsRefused = 0;
  /** Key frame requests and Sender Reports from participants dropped by their budgets. */
  feedbackDropped = 0;
  /** Sequence numbers NACKed to publishers (packets lost on the way to the SFU). */
  publisherNacks = 0;
  /** RTX retransmissions from publishers that brought back a packet the SFU was missing. */
  publisherRtxRecovered = 0;
  /** Padding-only RTX packets from publishers (bandwidth probes), dropped. */
  publisherPaddingDropped = 0;
  /** Other RTX packets dropped: of a stream that repairs no layer, of packets held or not behind the newest. */
  publisherRtxDropped = 0;
  /** Video packets whose codec payload header the SFU could not read (VP9 descriptor), forwarded to no one. */
  videoUnreadable = 0;
  /** transport-cc feedback from subscribers read into their estimates, and refused (budget, malformed). */
  subscriberFeedbackRead = 0;
  subscriberFeedbackRefused = 0;
}

/** What every part of the media plane shares: its options, timers, counters and logger. */
export interface MediaContext {
  readonly options: MediaPlaneOptions;
  readonly timers: Timers;
  readonly counters: MediaCounters;
  readonly logger: Logger;
}

/**
 * libdatachannel configuration of every peer connection: no STUN/TURN servers (the SFU has a public
 * address), all connections multiplexed on the one UDP port (ICE UDP mux), negotiation driven by us.
 */
export function peerConnectionConfig(options: MediaPlaneOptions, forceMediaTransport: boolean): RtcConfig {
  return {
    iceServers: [],
    disableAutoNegotiation: true,
    // A subscribe connection starts with a data channel only; without this libdatachannel sets up no
    // SRTP and cannot open the tracks added by later renegotiations.
    forceMediaTransport,
    enableIceUdpMux: true,
    portRangeBegin: options.rtcPort,
    portRangeEnd: options.rtcPort,
    bindAddress: options.bindAddress,
  };
}

/**
 * Whether the plane estimates subscribers' bandwidth from transport-cc. The plane's own default is
 * off (library users and the bot tests opt in); the server turns it on unless PARLEY_SUBSCRIBER_BWE=0.
 */
export function estimatesSubscribers(options: MediaPlaneOptions): boolean {
  return options.subscriberBandwidthEstimation ?? false;
}

/** A random SSRC (never 0, which some stacks treat as "unset"). */
export function randomSsrc(): number {
  return randomInt(1, 0xffffffff);
}

/**
 * Run a callback coming from native code. An exception thrown there would reach Node's uncaught
 * exception handler and end the process, so it is logged instead.
 */
export function guarded<A extends unknown[]>(logger: Logger, what: string, fn: (...args: A) => void) {
  return (...args: A): void => {
    try {
      fn(...args);
    } catch (error) {
      logger.error({ err: error }, `media: ${what} failed`);
    }
  };
}

// Privacy: keeps nothing personal (RTP sequence numbers, counts and recent packets of a media stream).

import { PacketCache } from '../rtp/packet-cache.js';
import { ReceptionStats } from '../rtp/reception-stats.js';
import { SENDER_REPORTS_BURST, SENDER_REPORTS_PER_SECOND, TokenBucket } from './budgets.js';
import { GapTracker } from './gap-tracker.js';

/** Packets kept per video stream to answer NACKs (about 2 s of 720p video). */
const PACKET_CACHE_SIZE = 512;

/**
 * One stream a publication receives (a simulcast layer, or its only stream): what the SFU keeps of
 * it for feedback both ways. Each layer numbers its packets on its own, so each has its own cache
 * and gaps.
 */
export class ReceivedLayer {
  /** Its retransmission SSRC (RFC 4588) once seen; 0 before. */
  rtxSsrc = 0;
  /** Video: recent packets as the publisher sent them, for NACK answers (null: audio, or unused layer). */
  cache: PacketCache | null = null;
  /** Video: packets that did not arrive, to NACK the publisher for. */
  gaps: GapTracker | null = null;
  /** Reception, reported back to the publisher (receiver reports, video). */
  readonly reception = new ReceptionStats();
  /** Sender Reports forwarded (budgets.ts): a publisher's flood of them is not fanned out. */
  readonly senderReports = new TokenBucket(SENDER_REPORTS_BURST, SENDER_REPORTS_PER_SECOND);

  /** Video: start keeping packets and gaps (once; kept when the layers change again). */
  keepPackets(): void {
    this.cache ??= new PacketCache(PACKET_CACHE_SIZE);
    this.gaps ??= new GapTracker();
  }
}

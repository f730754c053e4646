// Privacy: keeps nothing personal (RTCP handling of one forwarded track).

import type { MediaCounters } from '../room/media-context.js';
import { parseRtcp } from '../rtp/rtcp.js';
import { isRtcp } from '../rtp/rtp.js';
import type { SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import { KEYFRAME_REQUESTS_BURST, KEYFRAME_REQUESTS_PER_SECOND, TokenBucket } from './budgets.js';
import type { PublicationView } from './publication-view.js';

/** What the subscriber's feedback acts on in its subscription (Subscription). */
export interface FeedbackReceiver {
  /** The SSRC the subscriber sees for the track. */
  readonly ssrc: number;
  /** The subscriber NACKed these sequence numbers (as it saw them). */
  nacked(lost: readonly number[]): void;
  /** The share of the subscriber's REMB estimate this video may use, bits/s. */
  setBandwidthBudget(bitsPerSecond: number): void;
}

/**
 * RTCP from the subscriber about one forwarded track: key frame requests (PLI, FIR) passed on to the
 * publication within a budget (budgets.ts), NACKs, transport-cc feedback for the connection's
 * estimate, REMB.
 */
export class SubscriberFeedback {
  private readonly keyframeRequests = new TokenBucket(KEYFRAME_REQUESTS_BURST, KEYFRAME_REQUESTS_PER_SECOND);

  constructor(
    private readonly receiver: FeedbackReceiver,
    private readonly publication: PublicationView,
    private readonly counters: MediaCounters,
    /** The subscribe connection's transport-cc numbering and estimate (null: not used). */
    private readonly bandwidth: SubscriberBandwidth | null,
    /** The RTX SSRCs of every video of this subscribe connection (not counted as streams in a REMB). */
    private readonly repairSsrcs: ReadonlySet<number>,
  ) {}

  receive(message: Buffer): void {
    if (!isRtcp(message)) return;
    const ssrc = this.receiver.ssrc;
    // libdatachannel hands the whole compound to every track it mentions: act only on what is about us.
    for (const rtcp of parseRtcp(message)) {
      switch (rtcp.type) {
        case 'pli':
          if (rtcp.mediaSsrc === ssrc) this.passKeyframeRequest();
          break;
        case 'fir':
          if (rtcp.requests.some((request) => request.ssrc === ssrc)) this.passKeyframeRequest();
          break;
        case 'nack':
          if (rtcp.mediaSsrc === ssrc) this.receiver.nacked(rtcp.lost);
          break;
        case 'transport-feedback':
          // About the whole connection, whichever of its SSRCs it names; a copy delivered on another
          // track too matches nothing new (each packet counts once).
          this.bandwidth?.receiveFeedback(message, rtcp.offset, rtcp.length, performance.now());
          break;
        case 'remb':
          // The subscriber's estimate covers all the streams it lists: this video gets an equal share.
          // Chromium lists the RTX SSRCs it receives on too: they carry no stream of their own.
          if (this.publication.kind === 'video' && rtcp.ssrcs.includes(ssrc)) {
            let streams = 0;
            for (const listed of rtcp.ssrcs) if (!this.repairSsrcs.has(listed)) streams++;
            this.receiver.setBandwidthBudget(rtcp.bitrate / Math.max(1, streams));
          }
          break;
      }
    }
  }

  /** The subscriber asks for a key frame: passed on to the publication within its budget. */
  private passKeyframeRequest(): void {
    if (this.keyframeRequests.take()) this.publication.requestKeyframe();
    else this.counters.feedbackDropped++;
  }
}

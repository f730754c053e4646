// Privacy: keeps nothing personal (byte counts, bitrates and times).

import type { Publication } from '../forwarding/publication.js';
import type { Subscription } from '../forwarding/subscription.js';
import type { ProbeCarrier } from '../transport/subscriber-bandwidth.js';

/**
 * Bits/s kept for each forwarded microphone before any audio has been measured (Opus voice at
 * ~32 kbit/s with its RTP headers; measured: ~33 kbit/s plain, ~60 kbit/s as RED).
 */
export const AUDIO_RESERVE_BPS = 40_000;
/** The audio's bitrate is measured over at least this long (ms), then smoothed. */
const AUDIO_WINDOW_MS = 500;
const AUDIO_SMOOTHING = 0.5;
/**
 * RED is held back while some video is short of bandwidth and the redundancy costs more than this
 * share of the estimate (behind 300 kbit/s, two RED microphones took 120 kbit/s, the 180p layer 155);
 * it comes back after RED_RESUME_AFTER_MS with every video at the layer it wants.
 */
const RED_COST_SHARE = 0.05;
/** The redundant block is about as large as the primary: RED adds this share of RED audio's bitrate. */
const RED_EXTRA = 0.45;
const RED_RESUME_AFTER_MS = 10_000;
/** NACK answers to a subscriber short of bandwidth: at most this share of what it is forwarded. */
const SHORT_RETRANSMIT_SHARE = 0.1;

/**
 * How one subscriber's transport-cc estimate is shared out (Subscriber.applyEstimate): audio first, at
 * the bitrate its microphones are measured to cost on this connection, then an equal share for each
 * video. While a video is short (below the layer its size asks for, or paused), this subscriber gets
 * plain Opus instead of RED and fewer retransmissions: on a full link both add to what the queue drops.
 */
export class DownlinkShares {
  private audioBytes = 0;
  private audioMeasuredAt = Number.NaN;
  private audioBps = Number.NaN;
  private shortAt = Number.NEGATIVE_INFINITY;
  private redWithheld = false;
  /** A video paused for bandwidth whose probe padding follows the other tracks' packets. */
  probeCarrier: ProbeCarrier | null = null;

  /**
   * Share `estimate` (bits/s) among the subscriptions, and `proven` (what the path has carried, which
   * a step up needs) the same way; returns the bits/s the videos want beyond the smaller of the two.
   */
  apply(
    subscriptions: ReadonlyMap<Publication, Subscription>,
    estimate: number,
    proven: number,
    now: number,
  ): number {
    let audible = 0;
    let audioBytes = 0;
    let videos = 0;
    for (const [publication, subscription] of subscriptions) {
      if (publication.kind === 'audio') {
        audioBytes += subscription.nacks.budget.forwardedBytes;
        if (!publication.held && publication.audible) audible++;
      } else if (subscription.sharesBandwidth) videos++;
    }
    this.measureAudio(audioBytes, now);
    if (videos === 0) return 0;
    const audio = Number.isNaN(this.audioBps) ? audible * AUDIO_RESERVE_BPS : this.audioBps;
    const share = Math.max(0, estimate - audio) / videos;
    const provenShare = Math.max(0, proven - audio) / videos;
    let wanted = 0;
    this.probeCarrier = null;
    for (const [publication, subscription] of subscriptions) {
      if (publication.kind !== 'video' || !subscription.sharesBandwidth) continue;
      subscription.setEstimatedBudget(share, provenShare);
      wanted += subscription.wantedExtra();
      if (subscription.isPaused) this.probeCarrier ??= subscription.padding;
    }
    const short = wanted > 0;
    if (short) this.shortAt = now;
    this.holdBack(subscriptions, short, audio, estimate, now);
    return wanted;
  }

  private measureAudio(bytes: number, now: number): void {
    if (Number.isNaN(this.audioMeasuredAt)) {
      this.audioMeasuredAt = now;
      this.audioBytes = bytes;
      return;
    }
    const elapsed = now - this.audioMeasuredAt;
    // Subscriptions come and go: a count that fell starts the measurement over.
    if (bytes < this.audioBytes) this.audioBytes = bytes;
    if (elapsed < AUDIO_WINDOW_MS) return;
    const bps = ((bytes - this.audioBytes) * 8000) / elapsed;
    this.audioBps = Number.isNaN(this.audioBps)
      ? bps
      : AUDIO_SMOOTHING * bps + (1 - AUDIO_SMOOTHING) * this.audioBps;
    this.audioBytes = bytes;
    this.audioMeasuredAt = now;
  }

  private holdBack(
    subscriptions: ReadonlyMap<Publication, Subscription>,
    short: boolean,
    audio: number,
    estimate: number,
    now: number,
  ): void {
    if (!this.redWithheld && short && audio * RED_EXTRA > RED_COST_SHARE * estimate) this.redWithheld = true;
    else if (this.redWithheld && now - this.shortAt >= RED_RESUME_AFTER_MS) this.redWithheld = false;
    const retransmitShare = short ? SHORT_RETRANSMIT_SHARE : Number.POSITIVE_INFINITY;
    for (const [publication, subscription] of subscriptions) {
      subscription.nacks.budget.limitShare(retransmitShare);
      if (publication.kind === 'audio') subscription.media.redWithheld = this.redWithheld;
    }
  }
}

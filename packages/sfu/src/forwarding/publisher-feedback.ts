// Privacy: keeps nothing personal (RTP sequence numbers, SSRCs and timers).

import type { Track } from 'node-datachannel';
import type { TrackKind } from '../api/types.js';
import { guarded, type MediaContext } from '../room/media-context.js';
import type { CancelTimer } from '../room/timers.js';
import { buildReceiverFeedback } from '../rtp/reception-stats.js';
import { buildNack, buildPli } from '../rtp/rtcp.js';
import { KEYFRAME_REQUEST_INTERVAL_MS } from './publication-view.js';
import type { ReceivedLayer } from './received-layer.js';

/**
 * Bandwidth the SFU grants each publisher's video in its REMB: enough for three VP8 simulcast layers
 * up to 720p. Without it a browser that gets no congestion feedback stays at its start bitrate
 * (≈300 kbit/s) and never sends the upper layers.
 */
export const PUBLISHER_VIDEO_BITRATE = 2_500_000;

/**
 * Packets lost on the way from the publisher are NACKed as soon as the packets that arrived with the
 * gap are handled, then on this interval while some are missing (ms): one RTCP packet per stream for
 * all the losses due, not one per packet. Every gap waits at most this long for its first NACK.
 */
export const PUBLISHER_NACK_INTERVAL_MS = 25;

/** The publication's streams as this feedback needs them (publication.ts). */
export interface PublishedStreams {
  readonly kind: TrackKind;
  /** The publisher's SSRC (the lowest layer's with simulcast); null until announced or seen. */
  readonly ssrc: number | null;
  readonly layerCount: number;
  /** The media SSRC of `layer` (0: not known yet, or no such layer now). */
  layerSsrc(layer: number): number;
  readonly received: readonly ReceivedLayer[];
}

/**
 * What the SFU tells a publisher about one of its tracks, on the publish connection: key frame
 * requests (PLI, throttled), NACKs for the packets that did not arrive, receiver reports and the
 * bandwidth it may use (REMB).
 */
export class PublisherFeedback {
  private track: Track | null = null;
  private readonly pli: Buffer;
  private lastKeyframeRequest = Number.NEGATIVE_INFINITY;
  /** A key frame was asked for before the publisher's track could carry the request. */
  private keyframeWanted = false;
  private cancelDelayedKeyframeRequest: CancelTimer | null = null;
  private cancelNackTimer: CancelTimer | null = null;
  /** Sequence numbers of one NACK being built (reused). */
  private readonly lost: number[] = [];
  private closed = false;

  constructor(
    private readonly streams: PublishedStreams,
    /** SSRC the SFU uses as sender of its RTCP on the publish connection. */
    private readonly rtcpSenderSsrc: number,
    private readonly context: MediaContext,
  ) {
    this.pli = buildPli(rtcpSenderSsrc, 0);
  }

  /** The libdatachannel track of the m-line on the publish connection (null while not yet known). */
  attach(track: Track | null): void {
    this.track = track;
  }

  /** Media arrives: a key frame request that could not go out before is sent now. */
  mediaArrived(): void {
    if (!this.keyframeWanted) return;
    this.keyframeWanted = false;
    this.requestKeyframe();
  }

  /**
   * Ask the publisher for a key frame (PLI), at most once per KEYFRAME_REQUEST_INTERVAL_MS. A request
   * inside the interval is not dropped but delayed to its end, so a new subscriber never waits for the
   * publisher's next periodic key frame.
   */
  requestKeyframe(): void {
    if (this.streams.kind !== 'video' || this.closed || this.cancelDelayedKeyframeRequest) return;
    const wait = this.lastKeyframeRequest + KEYFRAME_REQUEST_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.sendKeyframeRequest();
      return;
    }
    this.cancelDelayedKeyframeRequest = this.context.timers.after(
      wait,
      guarded(this.context.logger, 'key frame request', () => {
        this.cancelDelayedKeyframeRequest = null;
        this.sendKeyframeRequest();
      }),
    );
  }

  private sendKeyframeRequest(): void {
    const track = this.track;
    const streams = this.streams;
    if (track === null || streams.ssrc === null || !track.isOpen()) {
      this.keyframeWanted = true;
      return;
    }
    try {
      let sent = true;
      // Simulcast: every layer, so that a subscriber switching to any of them finds a key frame.
      for (let layer = 0; layer < streams.layerCount; layer++) {
        const ssrc = streams.layerSsrc(layer);
        if (ssrc === 0) continue; // a RID layer not seen yet
        this.pli.writeUInt32BE(ssrc, 8);
        sent = track.sendMessageBinary(this.pli) && sent;
      }
      if (sent) {
        this.lastKeyframeRequest = performance.now();
        this.context.counters.keyframeRequestsSent++;
        return;
      }
    } catch {
      // The track closed under us; the connection's state handler deals with that.
    }
    this.keyframeWanted = true;
  }

  /** A gap appeared: NACK it once the packets that arrived together are in. */
  gapSeen(): void {
    if (this.cancelNackTimer === null) this.scheduleNacks(true);
  }

  /** First NACKs once the packets that arrived together are in (`soon`), then every interval. */
  private scheduleNacks(soon = false): void {
    const send = guarded(this.context.logger, 'publisher NACK', () => {
      this.cancelNackTimer = null;
      this.sendNacks();
    });
    const timers = this.context.timers;
    this.cancelNackTimer = soon ? timers.soon(send) : timers.after(PUBLISHER_NACK_INTERVAL_MS, send);
  }

  /**
   * NACK the publisher for the packets of each stream that are missing (Chromium retransmits them on
   * the same SSRC, RTX being left out of the publish answer); again on the next interval while any are.
   */
  private sendNacks(): void {
    const track = this.track;
    if (this.closed || track === null) return;
    const now = performance.now();
    const open = track.isOpen();
    let outstanding = false;
    const received = this.streams.received;
    for (let layer = 0; layer < received.length; layer++) {
      const gaps = received[layer]!.gaps;
      if (gaps === null) continue;
      // (Layers left from an earlier simulcast offer have no SSRC now: their gaps only age out.)
      const ssrc = this.streams.layerSsrc(layer);
      const lost = this.lost;
      lost.length = 0;
      gaps.collectDue(now, lost);
      if (lost.length > 0 && open && ssrc !== 0) {
        try {
          if (track.sendMessageBinary(buildNack(this.rtcpSenderSsrc, ssrc, lost)))
            this.context.counters.publisherNacks += lost.length;
        } catch {
          // closed meanwhile
        }
      }
      if (gaps.outstanding > 0) outstanding = true;
    }
    if (outstanding) this.scheduleNacks();
  }

  /**
   * Tell the publisher how its video arrives (receiver report) and what bandwidth it may use (REMB).
   * Called by the room's clock; the browser's bandwidth estimate depends on it.
   */
  sendReceiverFeedback(): void {
    const track = this.track;
    const streams = this.streams;
    if (streams.kind !== 'video' || this.closed || track === null || streams.ssrc === null || !track.isOpen())
      return;
    const reports: { ssrc: number; stats: ReceivedLayer['reception'] }[] = [];
    for (let layer = 0; layer < streams.layerCount; layer++) {
      const ssrc = streams.layerSsrc(layer);
      if (ssrc !== 0) reports.push({ ssrc, stats: streams.received[layer]!.reception }); // RID layers not seen yet
    }
    const feedback = buildReceiverFeedback(this.rtcpSenderSsrc, reports, PUBLISHER_VIDEO_BITRATE);
    if (feedback === null) return;
    try {
      track.sendMessageBinary(feedback);
    } catch {
      // closed meanwhile
    }
  }

  /** Stop: no more requests, timers cancelled. */
  close(): void {
    this.closed = true;
    this.cancelDelayedKeyframeRequest?.();
    this.cancelDelayedKeyframeRequest = null;
    this.cancelNackTimer?.();
    this.cancelNackTimer = null;
    this.track = null;
  }
}

/**
 * A subscribing bot's receiver side of NACK (RFC 4585), like a browser's: the sequence numbers a
 * packet skips over are NACKed at once, and those that come back later counted as recovered.
 */
import { buildNack } from '@parley/sfu/rtp';
import type { Track } from 'node-datachannel';

/** Loss state of one received track. */
export interface TrackSequences {
  track: Track;
  /** Highest sequence number seen, -1 before the first packet. */
  highest: number;
  /** Sequence numbers NACKed and not yet received. */
  missing: Set<number>;
}

/** NACKs at most this many packets of one gap: a longer one is an outage, not loss to repair. */
const MAX_GAP = 100;
/** Sequence numbers kept for nackedSequences(). */
const KEPT_NACKED = 10_000;

export class LossDetector {
  readonly counts = { sent: 0, recovered: 0 };
  /** Every sequence number NACKed (the first KEPT_NACKED). */
  readonly nacked: number[] = [];

  constructor(private readonly rtcpSsrc: number) {}

  /** A packet `sequence` of the media stream `ssrc` arrived on `receiving`'s track. */
  arrived(receiving: TrackSequences, sequence: number, ssrc: number): void {
    if (receiving.missing.delete(sequence)) {
      this.counts.recovered++;
      return;
    }
    if (receiving.highest >= 0) {
      const gap = (sequence - receiving.highest) & 0xffff;
      if (gap === 0 || gap > 0x8000) return; // duplicate or old
      const lost: number[] = [];
      for (let i = 1; i < gap && i < MAX_GAP; i++) lost.push((receiving.highest + i) & 0xffff);
      if (lost.length > 0) {
        for (const seq of lost) receiving.missing.add(seq);
        if (this.nacked.length < KEPT_NACKED) this.nacked.push(...lost);
        this.counts.sent += lost.length;
        try {
          receiving.track.sendMessageBinary(buildNack(this.rtcpSsrc, ssrc, lost));
        } catch {
          // track closed
        }
      }
    }
    receiving.highest = sequence;
  }
}

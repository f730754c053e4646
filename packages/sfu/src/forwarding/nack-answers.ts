// Privacy: keeps nothing personal (sequence numbers and counts).

import type { MediaCounters } from '../room/media-context.js';
import { PacketCache } from '../rtp/packet-cache.js';
import type { PublicationView } from './publication-view.js';
import { RetransmissionBudget } from './retransmission-budget.js';

/** A cached packet being resent is copied here (one per thread: each is sent before the next). */
const retransmission = Buffer.allocUnsafe(PacketCache.SLOT_SIZE);

/** What answering a NACK needs of the subscription (Subscription). */
export interface Resender {
  /** The simulcast layer the subscriber receives (0 without simulcast). */
  readonly layer: number;
  /** The publication's sequence number of a packet the subscriber knows as `outgoingSequence`. */
  originalSequence(outgoingSequence: number): number;
  /** Send a cached packet again under the number the subscriber knows it by. */
  resend(packet: Buffer, outgoingSequence: number): boolean;
}

/**
 * A subscriber's NACKs, answered from the publication's cache within the subscription's
 * retransmission budget (budgets.ts).
 */
export class NackAnswers {
  readonly budget: RetransmissionBudget;

  constructor(
    private readonly publication: PublicationView,
    private readonly counters: MediaCounters,
    retransmitPercent?: number,
  ) {
    this.budget = new RetransmissionBudget(retransmitPercent);
  }

  /** Answer a NACK for `sequences` (the numbers the subscriber saw): each once, however often listed. */
  answer(sequences: readonly number[], resender: Resender): void {
    const counters = this.counters;
    const now = performance.now();
    const layer = resender.layer;
    for (const sequence of new Set(sequences)) {
      const packet = this.publication.cachedPacket(layer, resender.originalSequence(sequence));
      if (packet === undefined) continue;
      if (!this.budget.mayResend(sequence, packet.length, now)) {
        counters.retransmissionsRefused++;
        continue;
      }
      packet.copy(retransmission);
      // Video is cached as the publisher sent it: the subscriber knows it under the SFU's payload type.
      if (this.publication.kind === 'video')
        retransmission[1] = (retransmission[1]! & 0x80) | this.publication.codec.payloadType;
      if (resender.resend(retransmission.subarray(0, packet.length), sequence)) {
        counters.retransmissions++;
        counters.retransmittedBytes += packet.length;
      }
    }
  }
}

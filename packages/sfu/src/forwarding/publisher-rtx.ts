// Privacy: keeps nothing personal (payload types and SSRCs).

import type { Logger } from '../api/logger.js';
import type { TrackSource } from '../api/types.js';
import { readRtpStreamId } from '../rtp/rtp-stream-id.js';
import type { ReceivedLayer } from './received-layer.js';

/**
 * RTX from a publisher (RFC 4588, rtx.ts) as its offer negotiates it (sdp.ts): the payload type of
 * its retransmissions (0: not negotiated, it retransmits on the media SSRC), which retransmission SSRC
 * repairs which media SSRC (its FID groups), and the id of the repaired-rtp-stream-id extension (RID
 * simulcast; 0 without).
 */
export class PublisherRtx {
  payloadType = 0;
  private repairedBy: ReadonlyMap<number, number> = new Map();
  private repairedRidExtensionId = 0;

  constructor(private readonly logger: Logger) {}

  /**
   * Take what the offer negotiates (`payloadType` null: none; video only). Returns whether anything
   * changed: the retransmission SSRCs are then learnt again.
   */
  set(
    payloadType: number | null,
    pairs: readonly { media: number; rtx: number }[],
    repairedRidExtensionId: number | null,
  ): boolean {
    const rtxPayloadType = payloadType ?? 0;
    const repairedBy = new Map(pairs.map(({ media, rtx }) => [rtx, media]));
    const unchanged =
      rtxPayloadType === this.payloadType &&
      (repairedRidExtensionId ?? 0) === this.repairedRidExtensionId &&
      repairedBy.size === this.repairedBy.size &&
      [...repairedBy].every(([rtx, media]) => this.repairedBy.get(rtx) === media);
    if (unchanged) return false;
    this.payloadType = rtxPayloadType;
    this.repairedBy = repairedBy;
    this.repairedRidExtensionId = rtxPayloadType === 0 ? 0 : (repairedRidExtensionId ?? 0);
    return true;
  }

  /**
   * The layer whose retransmissions arrive on `ssrc`, learnt from the first packet of a stream not
   * seen before: the layer whose media SSRC its FID group pairs it with, or (RID simulcast) the one its
   * repaired-rtp-stream-id names. Learnt once per layer, like the layers' own SSRCs; -1 when it
   * repairs no known layer or the layer has its RTX SSRC already.
   */
  layerOf(packet: Buffer, ssrc: number, streams: RepairedStreams): number {
    if (ssrc === 0) return -1;
    const received = streams.received;
    for (let layer = 0; layer < received.length; layer++) if (received[layer]!.rtxSsrc === ssrc) return layer;
    const { layerSsrcs, layerRids } = streams;
    if (ssrc === streams.ssrc || layerSsrcs.includes(ssrc)) return -1;
    const media = this.repairedBy.get(ssrc);
    let layer = -1;
    if (media !== undefined) {
      layer = layerSsrcs.length > 1 ? layerSsrcs.indexOf(media) : media === streams.ssrc ? 0 : -1;
    } else if (this.repairedRidExtensionId > 0 && layerRids.length > 1) {
      const rid = readRtpStreamId(packet, this.repairedRidExtensionId);
      layer = rid === null ? -1 : layerRids.indexOf(rid);
    }
    if (layer < 0 || received[layer]!.rtxSsrc !== 0) return -1;
    received[layer]!.rtxSsrc = ssrc;
    this.logger.info(
      { participantId: streams.participantId, source: streams.source, layer },
      'media: retransmission stream identified',
    );
    return layer;
  }
}

/** The publication's streams as RTX needs them (publication.ts). */
export interface RepairedStreams {
  readonly participantId: string;
  readonly source: TrackSource;
  /** The publisher's SSRC (the lowest layer's with simulcast), its layers' SSRCs and RIDs. */
  readonly ssrc: number | null;
  readonly layerSsrcs: readonly number[];
  readonly layerRids: readonly string[];
  readonly received: readonly ReceivedLayer[];
}

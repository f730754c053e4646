import type { Vp9Descriptor } from '../rtp/vp9.js';

/** What to do with one packet of a scalable (SVC) stream for one subscriber. */
export const SvcVerdict = {
  /** Leave it out: a layer this subscriber does not get (its sequence numbers close over the gap). */
  Drop: 0,
  /** Forward it as it is. */
  Forward: 1,
  /** Forward it with the marker bit set: the last packet of the picture this subscriber gets. */
  ForwardEndOfPicture: 2,
} as const;
export type SvcVerdict = (typeof SvcVerdict)[keyof typeof SvcVerdict];

/**
 * Which spatial and temporal layers of one SVC stream (VP9 L3T3 from a single encoder) one subscriber
 * gets, packet by packet. The target comes from the subscriber's display size and bandwidth; the layers
 * actually forwarded move towards it only where a decoder can follow:
 * - down at once, at the start of a picture (the layers below never depend on those above);
 * - temporal up at a switching-up point (U) of the higher layer;
 * - spatial up at a key picture only: an upper layer frame is predicted from that layer's earlier
 *   pictures, which the subscriber never got (an intra-only upper layer frame would do too, but
 *   starting it mid-picture would leave the picture's marker bit on the layer below). The caller asks
 *   the publisher for a key frame while the target is above what is forwarded (wantsKeyframe).
 * Without a decodable base (before the first key picture) nothing is forwarded.
 */
export class SvcLayerSelector {
  /** Spatial/temporal layers forwarded now; -1 until the first key picture. */
  private spatial = -1;
  private temporal = -1;
  private targetSpatial: number;
  private targetTemporal: number;

  constructor(targetSpatial = 2, targetTemporal = 2) {
    this.targetSpatial = targetSpatial;
    this.targetTemporal = targetTemporal;
  }

  /** The layers this subscriber should get; takes effect where the stream allows (see the class). */
  setTarget(spatial: number, temporal: number): void {
    this.targetSpatial = spatial;
    this.targetTemporal = temporal;
  }

  /** The spatial layer forwarded now (-1 before the first key picture). */
  get currentSpatial(): number {
    return this.spatial;
  }

  get currentTemporal(): number {
    return this.temporal;
  }

  /** True while the forwarded spatial layer is below the target: only a key picture lets it climb. */
  get wantsKeyframe(): boolean {
    return this.spatial < this.targetSpatial;
  }

  /** The verdict for one packet whose descriptor is `packet`. */
  select(packet: Vp9Descriptor): SvcVerdict {
    const pictureStart = packet.layerStart && packet.spatial === 0;
    if (pictureStart && !packet.interPicture) {
      // A key picture: every layer up to the target can start here.
      this.spatial = this.targetSpatial;
      this.temporal = this.targetTemporal;
    } else if (this.spatial < 0) {
      return SvcVerdict.Drop;
    } else {
      if (pictureStart) {
        if (this.targetSpatial < this.spatial) this.spatial = this.targetSpatial;
        if (this.targetTemporal < this.temporal) this.temporal = this.targetTemporal;
      }
      // All spatial layers of a picture share its temporal layer: climb at the picture's start only.
      if (
        pictureStart &&
        packet.switchingUp &&
        packet.temporal > this.temporal &&
        packet.temporal <= this.targetTemporal
      )
        this.temporal = packet.temporal;
    }
    if (packet.spatial > this.spatial || packet.temporal > this.temporal) return SvcVerdict.Drop;
    return packet.layerEnd && packet.spatial === this.spatial
      ? SvcVerdict.ForwardEndOfPicture
      : SvcVerdict.Forward;
  }
}

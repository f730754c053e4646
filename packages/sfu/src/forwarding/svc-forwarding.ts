// Privacy: keeps nothing personal (layer indices and picture heights).

import { emptyVp9Descriptor, readVp9Descriptor, type Vp9Descriptor } from '../rtp/vp9.js';
import { SvcLayerSelector, SvcVerdict } from '../simulcast/svc-layers.js';
import type { ForwardedPacket } from './forwarded-packet.js';

/**
 * VP9 SVC towards one subscriber (spatial layers in one stream, e.g. L3T3_KEY): which spatial and
 * temporal layers it gets (simulcast/svc-layers.ts), from the height it shows the video at and its
 * cap. The subscription drops the layers above and marks the last one kept as the picture's end.
 */
export class SvcForwarding {
  /** The height (device pixels) the subscriber shows this video at; Infinity until it says. */
  private displayHeight = Number.POSITIVE_INFINITY;
  /** The subscriber's own cap (data saver: 0, the lowest layer). */
  private cap = Number.POSITIVE_INFINITY;
  /** null until the stream has layers. */
  private selector: SvcLayerSelector | null = null;
  /** Reads a cached packet's descriptor when it is resent. */
  private resentVp9: Vp9Descriptor | null = null;

  setDisplayHeight(height: number): void {
    this.displayHeight = height;
  }

  setCap(rank: number): void {
    this.cap = rank;
  }

  /**
   * Aim at the smallest spatial layer that covers the displayed height (the top one if none does), no
   * higher than the cap; all temporal layers. `heights`: each spatial layer's, from the last key picture.
   */
  target(heights: readonly number[]): void {
    if (this.selector === null || heights.length < 2) return;
    let spatial = heights.length - 1;
    for (let layer = 0; layer < heights.length; layer++) {
      if (heights[layer]! >= this.displayHeight) {
        spatial = layer;
        break;
      }
    }
    this.selector.setTarget(Math.min(spatial, this.cap), 2);
  }

  /** A key picture is due: a larger spatial layer is wanted than forwarded (climbing needs one). */
  get keyframeDue(): boolean {
    const selector = this.selector;
    return selector !== null && selector.currentSpatial >= 0 && selector.wantsKeyframe;
  }

  /**
   * The verdict on the packet being forwarded (any codec): a payload the SFU could not read is dropped;
   * without layers (`heights`: fewer than two) the rest is forwarded. The selector is made at the
   * stream's first key picture with layers (its scalability structure gives the heights) and re-aimed
   * at each key picture.
   */
  select(forwarded: ForwardedPacket, heights: readonly number[]): SvcVerdict {
    if (forwarded.unreadable) return SvcVerdict.Drop;
    if (heights.length < 2) return SvcVerdict.Forward;
    if (this.selector === null || forwarded.keyframe) {
      this.selector ??= new SvcLayerSelector();
      this.target(heights);
    }
    return this.selector.select(forwarded.vp9);
  }

  /** A late packet is forwarded only when readable and within the layers this subscriber gets now. */
  allowsLate(forwarded: ForwardedPacket, heights: readonly number[]): boolean {
    if (forwarded.unreadable) return false;
    if (heights.length < 2) return true;
    const selector = this.selector;
    const vp9 = forwarded.vp9;
    if (selector === null || vp9.spatial > selector.currentSpatial) return false;
    return vp9.temporal <= selector.currentTemporal;
  }

  /**
   * A cached packet resent (it has the publisher's marker bit): marked as the end of this subscriber's
   * picture if it ends the top layer the subscriber gets.
   */
  markResent(packet: Buffer): void {
    const selector = this.selector;
    if (selector === null) return;
    this.resentVp9 ??= emptyVp9Descriptor();
    const vp9 = this.resentVp9;
    if (readVp9Descriptor(packet, vp9) && vp9.layerEnd && vp9.spatial === selector.currentSpatial)
      packet[1]! |= 0x80;
  }
}

// Privacy: keeps nothing personal (byte counts, bitrates and picture heights of a published camera).

/** Weight of the newest interval in a layer's smoothed bitrate (about 1.5 s of memory at 300 ms). */
const BITRATE_SMOOTHING = 0.2;
/** Most simulcast layers the SFU takes from one publisher (as the SDP parser keeps). */
export const MAX_LAYERS = 3;

/** One simulcast layer as the publisher sends it: what it carried, its bitrate, its picture height. */
export class LayerMeter {
  /** Bytes received in the interval being measured. */
  bytes = 0;
  /**
   * Bits per second, smoothed over the last measurements (one interval can hold a key frame several
   * times the size of a delta frame); 0 until measured.
   */
  bitrate = 0;
  /** The bitrate last measured while it was sent, kept while the publisher pauses it (layer-demand.ts). */
  lastBitrate = 0;
  /** Frame height from its key frames; 0 until one is seen. */
  height = 0;
  /** Whether it carried packets in each of the last three intervals (bit 0: the last one). */
  activity = 0;
}

/**
 * Layer metering of one published video (simulcast): the layers' bitrates and picture heights, which
 * ones the publisher sends now, and their order by picture size. The publication counts the packets
 * (hot path: one addition per packet); the room's clock closes each interval (measure()).
 */
export class SimulcastLayers {
  /** One meter per layer, in the publisher's order (SIM group or RIDs). */
  readonly layers: readonly LayerMeter[] = Array.from({ length: MAX_LAYERS }, () => new LayerMeter());
  /**
   * The layers from the smallest picture to the largest (rank → layer), by the heights their key
   * frames carry (SIM order, lowest first by convention, until known): which end of the group a
   * browser puts its full-resolution stream on is not something to rely on.
   */
  order: readonly number[] = [0];
  /** The meters hold a measurement (false until the first interval closed). */
  measured = false;
  /** Bit n set while the SFU asks the publisher to pause layer n: no subscriber takes it (layer-demand.ts). */
  paused = 0;

  /** The number of layers the publisher announces (1 without simulcast); the order restarts on a change. */
  resize(count: number): void {
    if (this.order.length !== count) this.order = [0, 1, 2].slice(0, count);
  }

  /**
   * Whether `layer` is being sent: it carried packets in one of the last three measurement intervals
   * (about a second; assumed before the first). Browsers send fewer layers than offered for small
   * captures or low bandwidth.
   */
  isSent(layer: number): boolean {
    return !this.measured || (this.layers[layer]!.activity & 0b111) !== 0;
  }

  /** Whether `layer` is sent, or would be on request: the SFU asked the publisher to pause it. */
  mayArrive(layer: number): boolean {
    return this.isSent(layer) || (this.paused & (1 << layer)) !== 0;
  }

  /** What `layer` costs when sent, bits/s: its bitrate now, or the last one measured while it is paused. */
  expectedBitrate(layer: number): number {
    const meter = this.layers[layer]!;
    return meter.bitrate > 0 ? meter.bitrate : meter.lastBitrate;
  }

  /** Bit n set when layer n (0 = the publisher's first) carried packets in the last interval. */
  get active(): number {
    let active = 0;
    for (let layer = 0; layer < MAX_LAYERS; layer++) active |= (this.layers[layer]!.activity & 1) << layer;
    return active;
  }

  /**
   * Close a measurement interval of `seconds`: smooth each layer's bitrate, note which layers carried
   * packets, order the layers by height. Returns whether the set of active layers changed (or this
   * was the first measurement).
   */
  measure(seconds: number): boolean {
    const before = this.active;
    for (const meter of this.layers) {
      const measured = (meter.bytes * 8) / seconds;
      const previous = meter.bitrate;
      meter.bitrate =
        this.measured && previous > 0 && measured > 0
          ? previous + BITRATE_SMOOTHING * (measured - previous)
          : measured;
      if (measured > 0) meter.lastBitrate = meter.bitrate;
      meter.activity = ((meter.activity << 1) | (meter.bytes > 0 ? 1 : 0)) & 0b111;
      meter.bytes = 0;
    }
    const changed = this.active !== before || !this.measured;
    this.measured = true;
    const heightOf = (layer: number) => this.layers[layer]!.height || 180 * 2 ** layer;
    this.order = this.order.slice().sort((a, b) => heightOf(a) - heightOf(b) || a - b);
    return changed;
  }
}

// Privacy: keeps nothing personal (a histogram of durations only).

/** Histogram resolution: one bin per microsecond up to this many; slower packets share the last bin. */
const BINS = 20_000;

/**
 * In-SFU transit time, for benchmarks (bench/transit.ts, bench/capacity.ts): for every forwarded RTP
 * packet, the time from its arrival in the JS handler (Publication.receive) to the return of the send
 * call for its last subscriber. Not included: time the packet waited before the handler ran (SRTP
 * decryption in libdatachannel's thread, the hop to the JS thread, a busy event loop).
 *
 * Off by default; when off the hot path pays one boolean check per packet. When on, one clock read
 * before and after and one counter increment in a preallocated histogram: nothing is allocated.
 */
export class TransitProbe {
  enabled = false;
  private readonly bins = new Uint32Array(BINS);
  private count = 0;
  private maxMs = 0;

  /** Start recording from an empty histogram. */
  start(): void {
    this.bins.fill(0);
    this.count = 0;
    this.maxMs = 0;
    this.enabled = true;
  }

  stop(): void {
    this.enabled = false;
  }

  /** One packet's transit, in milliseconds (difference of two performance.now() readings). */
  record(ms: number): void {
    const micros = Math.floor(ms * 1000);
    this.bins[micros < BINS ? micros : BINS - 1]!++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Percentiles (ms: upper edge of the 1 µs bin, at most the maximum) of what was recorded since start(). */
  snapshot(): TransitSnapshot {
    const at = (fraction: number) => {
      if (this.count === 0) return 0;
      const rank = Math.ceil(fraction * this.count);
      let seen = 0;
      for (let bin = 0; bin < BINS; bin++) {
        seen += this.bins[bin]!;
        if (seen >= rank) return bin === BINS - 1 ? this.maxMs : Math.min((bin + 1) / 1000, this.maxMs);
      }
      return this.maxMs;
    };
    return {
      packets: this.count,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      p999Ms: at(0.999),
      maxMs: this.maxMs,
    };
  }
}

export interface TransitSnapshot {
  packets: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** The probe of this thread's media plane (module state: one per process or worker thread). */
export const transitProbe = new TransitProbe();

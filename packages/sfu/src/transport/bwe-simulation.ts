import type { BandwidthEstimator } from './bandwidth-estimator.js';
import { PADDING_BURST, PADDING_BYTES, SubscriberBandwidth } from './subscriber-bandwidth.js';
import { TransportArrivals } from './transport-cc.js';

/**
 * A synthetic path for the estimator's tests (no sockets, one millisecond clock): the SFU sends a
 * video layer chosen from the estimate, packets cross a bottleneck (a rate, a tail-drop queue, random
 * loss, a fixed delay each way), the receiver reports arrivals every 100 ms in the real wire format
 * (TransportArrivals, as the SFU itself builds feedback for publishers), and the feedback comes back
 * into a SubscriberBandwidth (numbering, estimate, probes with padding) — the subscriber loop of the
 * SFU but the sockets. Layer choice as LayerSelector.rankForEstimate does it: down at once when the
 * layer no longer fits, up one layer when 1.15 × its bitrate has fitted for a second and the path has
 * carried its bitrate (SubscriberBandwidth.proven: acknowledged, or a probe).
 */

export interface PathPhase {
  /** From this time on (ms since the start). */
  fromMs: number;
  capacityBps: number;
  /** Random loss on the path, 0–1. */
  loss?: number;
}

export interface SimulationOptions {
  phases: PathPhase[];
  durationMs: number;
  /** Bitrates of the layers the sender can pick from (smallest first); it sends the largest that fits. */
  layersBps?: number[];
  /** Queue in front of the bottleneck, ms of its rate (tail drop beyond). */
  queueMs?: number;
  oneWayDelayMs?: number;
  packetBytes?: number;
  seed?: number;
}

export interface SimulationSample {
  atMs: number;
  estimateBps: number;
  /** What the path has been seen to carry (SubscriberBandwidth.proven). */
  provenBps: number;
  sendingBps: number;
  queueDelayMs: number;
  probing: boolean;
}

const FEEDBACK_INTERVAL_MS = 100;

export function simulate(options: SimulationOptions): {
  samples: SimulationSample[];
  estimator: BandwidthEstimator;
  bandwidth: SubscriberBandwidth;
  dropped: number;
  sent: number;
} {
  const layers = options.layersBps ?? [150_000, 340_000, 710_000];
  const queueMs = options.queueMs ?? 300;
  const delay = options.oneWayDelayMs ?? 20;
  const packetBytes = options.packetBytes ?? 1000;
  const random = mulberry32(options.seed ?? 1);
  const bandwidth = new SubscriberBandwidth(0);
  const { estimator, sends } = bandwidth;
  const arrivals = new TransportArrivals();
  const inFlight: { arriveAt: number; sequence: number }[] = [];
  const feedbackInFlight: { deliverAt: number; message: Buffer }[] = [];
  const samples: SimulationSample[] = [];
  let linkFreeAt = 0;
  let nextSendAt = 0;
  let layer = layers.length - 1;
  let upSince = Number.NaN;
  let dropped = 0;
  let sent = 0;

  for (let now = 0; now < options.durationMs; now++) {
    const phase = [...options.phases].reverse().find((p) => p.fromMs <= now)!;
    const transmit = (bytes: number) => {
      const sequence = sends.nextSequence;
      sends.sent(bytes, now);
      sent++;
      const serviceMs = (bytes * 8 * 1000) / phase.capacityBps;
      const start = Math.max(now, linkFreeAt);
      if (start - now > queueMs || random() < (phase.loss ?? 0)) {
        dropped++;
        return;
      }
      linkFreeAt = start + serviceMs;
      inFlight.push({ arriveAt: linkFreeAt + delay, sequence });
    };
    // Sender: packets at the chosen layer's rate, and a probe's padding after each.
    while (nextSendAt <= now) {
      transmit(packetBytes);
      nextSendAt += (packetBytes * 8 * 1000) / layers[layer]!;
      for (let i = 0; i < PADDING_BURST && bandwidth.paddingDue(now) > 0; i++) {
        transmit(12 + 8 + PADDING_BYTES);
        bandwidth.paddingSent(12 + 8 + PADDING_BYTES);
      }
    }
    // Receiver: arrivals, and feedback every interval.
    while (inFlight.length > 0 && inFlight[0]!.arriveAt <= now) {
      const packet = inFlight.shift()!;
      arrivals.record(packet.sequence, packet.arriveAt * 1000);
    }
    if (now % FEEDBACK_INTERVAL_MS === 0) {
      for (const message of arrivals.takeFeedback(1, 2))
        feedbackInFlight.push({ deliverAt: now + delay, message });
    }
    // SFU: feedback into the estimator, and the layer choice from the estimate.
    while (feedbackInFlight.length > 0 && feedbackInFlight[0]!.deliverAt <= now) {
      const { message } = feedbackInFlight.shift()!;
      bandwidth.receiveFeedback(message, 0, message.length, now);
    }
    if (now % FEEDBACK_INTERVAL_MS === 0) {
      const estimate = estimator.estimate;
      const proven = bandwidth.proven(now);
      let fits = 0;
      let fitsWithMargin = 0;
      for (let r = 0; r < layers.length; r++) {
        if (layers[r]! <= estimate) fits = r;
        if (layers[r]! * 1.15 <= estimate && layers[r]! <= proven) fitsWithMargin = r;
      }
      if (layer > fits) {
        layer = fits;
        upSince = Number.NaN;
      } else if (fitsWithMargin > layer) {
        if (Number.isNaN(upSince)) upSince = now;
        if (now - upSince >= 1000) {
          layer++;
          upSince = Number.NaN;
        }
      } else upSince = Number.NaN;
      if (layer < layers.length - 1) {
        const acked = estimator.ackedBitsPerSecond;
        const known = Math.min(estimate, proven);
        const wanted = Math.max(0, layers[layer + 1]! * 1.15 - known);
        bandwidth.maybeProbe(known + wanted, Number.isNaN(acked) ? layers[layer]! : acked, now);
      }
      samples.push({
        atMs: now,
        estimateBps: estimate,
        provenBps: proven,
        sendingBps: layers[layer]!,
        queueDelayMs: Math.max(0, linkFreeAt - now),
        probing: bandwidth.probing,
      });
    }
  }
  return { samples, estimator, bandwidth, dropped, sent };
}

/** A small seeded PRNG (the tests must be repeatable). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

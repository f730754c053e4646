// Figures from the readings of bench/quality/page-sampler.ts: frame rates over windows, freezes per
// minute, time to recover after a change of the network. Pure functions over the samples.
import type { InboundSample, OutboundLayer, Sample } from './page-sampler.js';

/** A subscriber decodes "at full rate" at ≥ this share of the frame rate its layer is encoded at. */
export const FULL_RATE_SHARE = 0.9;
/** Frame rates for recovery are taken over windows this long (ms), one starting at every sample. */
export const RATE_WINDOW_MS = 1000;
/** Recovered means: every window starting in the next HOLD_MS decodes at full rate too. */
export const HOLD_MS = 2000;

type Counter = (sample: Sample) => number | undefined;

/** A counter's value at time t, linearly between the readings around it (undefined outside them). */
function valueAt(samples: readonly Sample[], t: number, read: Counter): number | undefined {
  let before: Sample | undefined;
  for (const sample of samples) {
    if (sample.t > t) {
      if (!before) return undefined;
      const a = read(before);
      const b = read(sample);
      if (a === undefined || b === undefined) return undefined;
      return a + ((b - a) * (t - before.t)) / (sample.t - before.t);
    }
    before = sample;
  }
  return before && before.t === t ? read(before) : undefined;
}

/** Counter increase per second over [from, to], or undefined where readings are missing. */
export function ratePerSecond(
  samples: readonly Sample[],
  from: number,
  to: number,
  read: Counter,
): number | undefined {
  const a = valueAt(samples, from, read);
  const b = valueAt(samples, to, read);
  return a === undefined || b === undefined ? undefined : ((b - a) * 1000) / (to - from);
}

const decoded: Counter = (s) => s.inbound?.framesDecoded;

/** The publisher's layer of this height (its frames encoded), else the one that encoded most. */
function layerEncoded(height: number): Counter {
  return (s) => {
    const layer =
      s.outbound.find((l) => l.frameHeight === height) ??
      s.outbound.reduce<OutboundLayer | undefined>(
        (a, l) => (!a || l.framesEncoded > a.framesEncoded ? l : a),
        undefined,
      );
    return layer?.framesEncoded;
  };
}

/** The subscriber's picture height at time t (the last reading at or before it). */
export function heightAt(samples: readonly Sample[], t: number): number {
  let height = 0;
  for (const sample of samples) {
    if (sample.t > t) break;
    height = sample.inbound?.frameHeight ?? 0;
  }
  return height;
}

/**
 * Whether the subscriber decodes at full rate over [t, t + RATE_WINDOW_MS]: ≥ FULL_RATE_SHARE of the
 * frames the publisher encoded in that window on the layer the subscriber shows at its end.
 */
function fullRateAt(
  subscriber: readonly Sample[],
  publisher: readonly Sample[],
  t: number,
): boolean | undefined {
  const end = t + RATE_WINDOW_MS;
  const got = ratePerSecond(subscriber, t, end, decoded);
  const sent = ratePerSecond(publisher, t, end, layerEncoded(heightAt(subscriber, end)));
  if (got === undefined || sent === undefined) return undefined;
  return got >= FULL_RATE_SHARE * sent;
}

/**
 * Time (ms) from `event` until the subscriber decodes at full rate and keeps doing so for HOLD_MS
 * (every window starting in that span): 0 if it never fell behind; null if not before `until`.
 */
export function timeToFullRate(
  subscriber: readonly Sample[],
  publisher: readonly Sample[],
  event: number,
  until: number,
): number | null {
  const starts = subscriber.filter((s) => s.t >= event && s.t + RATE_WINDOW_MS <= until).map((s) => s.t);
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i]!;
    if (from + RATE_WINDOW_MS + HOLD_MS > until) return null;
    let holds = true;
    for (let j = i; j < starts.length && starts[j]! <= from + HOLD_MS; j++) {
      if (fullRateAt(subscriber, publisher, starts[j]!) !== true) {
        holds = false;
        break;
      }
    }
    if (holds) return from === starts[0] ? 0 : from - event;
  }
  return null;
}

/** Time (ms) from `event` to the first reading at `height` lines, or null if none before `until`. */
export function timeToHeight(
  subscriber: readonly Sample[],
  height: number,
  event: number,
  until: number,
): number | null {
  const reached = subscriber.find((s) => s.t >= event && s.t <= until && s.inbound?.frameHeight === height);
  return reached ? reached.t - event : null;
}

/**
 * Time (ms) from `event` to the first reading at `height` lines from which every reading for HOLD_MS
 * stays at that height, or null if none before `until`.
 */
export function timeToHeldHeight(
  subscriber: readonly Sample[],
  height: number,
  event: number,
  until: number,
): number | null {
  const readings = subscriber.filter((s) => s.t >= event && s.t <= until);
  for (let i = 0; i < readings.length; i++) {
    const from = readings[i]!.t;
    if (from + HOLD_MS > until) return null;
    let j = i;
    while (
      j < readings.length &&
      readings[j]!.t <= from + HOLD_MS &&
      readings[j]!.inbound?.frameHeight === height
    )
      j++;
    if (j === readings.length || readings[j]!.t > from + HOLD_MS) return from - event;
  }
  return null;
}

/** What a subscriber saw during [from, to]. */
export interface PhaseFigures {
  seconds: number;
  /** Frames decoded per second, and the publisher's frames encoded per second on its top layer. */
  fps_decoded: number;
  publisher_fps_top_layer: number | null;
  /** webrtc-stats freezes (Chromium's inbound-rtp freezeCount) per minute, and their total length. */
  freezes: number;
  freezes_per_minute: number;
  freeze_seconds: number;
  /** The longest stretch between readings that saw no new decoded frame (ms, at sample resolution). */
  longest_gap_without_decoded_frame_ms: number;
  packets_received: number;
  packets_lost: number;
  nacks_sent: number;
  plis_sent: number;
  key_frames_decoded: number;
  /**
   * Seconds of the phase in windows (RATE_WINDOW_MS, one starting at every reading) that decoded
   * below FULL_RATE_SHARE of the publisher's frame rate on the subscriber's layer.
   */
  seconds_below_full_rate: number;
  /** Share of the phase's time at each picture height (lines → 0–1). */
  time_at_height: Record<string, number>;
  /** Changes of picture height seen by the subscriber: the SFU's layer switches as they arrive. */
  layer_switches: number;
}

/** Sum of a counter over [from, to] (difference of its values there). */
function delta(
  samples: readonly Sample[],
  from: number,
  to: number,
  read: (i: InboundSample) => number,
): number {
  const inPhase = samples.filter((s) => s.t >= from && s.t <= to && s.inbound);
  if (inPhase.length < 2) return 0;
  return read(inPhase.at(-1)!.inbound!) - read(inPhase[0]!.inbound!);
}

export function phaseFigures(
  subscriber: readonly Sample[],
  publisher: readonly Sample[],
  from: number,
  to: number,
): PhaseFigures {
  const inPhase = subscriber.filter((s) => s.t >= from && s.t <= to && s.inbound);
  const first = inPhase[0];
  const last = inPhase.at(-1);
  const seconds = first && last ? (last.t - first.t) / 1000 : 0;
  const d = (read: (i: InboundSample) => number) => delta(subscriber, from, to, read);
  const freezes = d((i) => i.freezeCount);
  const heightTime = new Map<number, number>();
  let switches = 0;
  let longestGap = 0;
  let gapStart: number | undefined;
  for (let i = 1; i < inPhase.length; i++) {
    const a = inPhase[i - 1]!;
    const b = inPhase[i]!;
    const height = a.inbound!.frameHeight;
    heightTime.set(height, (heightTime.get(height) ?? 0) + (b.t - a.t));
    if (b.inbound!.frameHeight !== height && b.inbound!.frameHeight > 0 && height > 0) switches++;
    if (b.inbound!.framesDecoded === a.inbound!.framesDecoded) {
      gapStart ??= a.t;
      longestGap = Math.max(longestGap, b.t - gapStart);
    } else gapStart = undefined;
  }
  const total = [...heightTime.values()].reduce((a, b) => a + b, 0) || 1;
  // Each window that starts in the phase and ends in it stands for the time to the next reading.
  let belowMs = 0;
  for (let i = 0; i + 1 < inPhase.length; i++) {
    const start = inPhase[i]!.t;
    if (start + RATE_WINDOW_MS > to) break;
    if (fullRateAt(subscriber, publisher, start) === false) belowMs += inPhase[i + 1]!.t - start;
  }
  const topRate = ratePerSecond(publisher, from, to, (s) =>
    Math.max(0, ...s.outbound.map((l) => l.framesEncoded)),
  );
  const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
  return {
    seconds: round(seconds),
    fps_decoded: seconds > 0 ? round(d((i) => i.framesDecoded) / seconds) : 0,
    publisher_fps_top_layer: topRate === undefined ? null : round(topRate),
    freezes,
    freezes_per_minute: seconds > 0 ? round((freezes * 60) / seconds) : 0,
    freeze_seconds: round(
      d((i) => i.totalFreezesDuration),
      2,
    ),
    longest_gap_without_decoded_frame_ms: longestGap,
    packets_received: d((i) => i.packetsReceived),
    packets_lost: d((i) => i.packetsLost),
    nacks_sent: d((i) => i.nackCount),
    plis_sent: d((i) => i.pliCount),
    key_frames_decoded: d((i) => i.keyFramesDecoded),
    seconds_below_full_rate: round(belowMs / 1000),
    time_at_height: Object.fromEntries(
      [...heightTime.entries()]
        .sort((a, b) => b[0] - a[0])
        .map(([h, ms]) => [String(h), round(ms / total, 2)]),
    ),
    layer_switches: switches,
  };
}

/** The subscriber's picture height over time: one entry per change (seconds since `origin`). */
export function heightTimeline(
  subscriber: readonly Sample[],
  origin: number,
): Array<{ at_s: number; height: number }> {
  const changes: Array<{ at_s: number; height: number }> = [];
  for (const sample of subscriber) {
    const height = sample.inbound?.frameHeight ?? 0;
    if (changes.at(-1)?.height !== height)
      changes.push({ at_s: Math.round((sample.t - origin) / 100) / 10, height });
  }
  return changes;
}

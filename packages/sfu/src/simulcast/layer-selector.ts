// Privacy: keeps nothing personal (layer ranks, bitrates and times).

import { layerForSize } from './layer-choice.js';
import type { SimulcastLayers } from './layer-meter.js';

/**
 * The subscriber's estimate means congestion below this share of the forwarded layer's bitrate:
 * Chromium's estimate falls to 0.85 × the received rate on overuse, and sits near 1.5 × without.
 */
const CONGESTED_SHARE = 0.8;
/**
 * Chromium's receive-side estimate grows by about 8 %/s while nothing is congested and falls at once
 * (to 0.85 × the received rate) on overuse. So an estimate below the layer's bitrate means congestion
 * only while it is falling: after a switch up to a layer whose bitrate is well above what was received
 * (a publisher on transport-cc sends 720p at ≈ 1.5 Mbit/s), it climbs behind it for several seconds,
 * and reading that climb as congestion dropped the layer again every time.
 */
const ESTIMATE_FALLS = 0.97;
const ESTIMATE_RISES = 1.01;
/** A fall counts this long (ms): congestion keeps the estimate falling; one dip then a flat line does not. */
const FALL_COUNTS_MS = 4000;
/**
 * A full queue on a capped link holds the delay flat, so the estimate may climb again while most
 * packets are lost: this many packets NACKed per second by the subscriber also mean congestion (5 %
 * random loss on a 720p layer is ≈ 8 a second; the capped viewer of e2e/bandwidth.test.ts sent 170).
 */
const CONGESTED_NACKS_PER_SECOND = 25;
/** The estimate is not trusted for this long after a switch: it lags the new rate (ms). */
const ESTIMATE_SETTLE_MS = 1500;
/** Congestion lowers the layer only when it lasts this long, not on a passing dip (ms). */
const CONGESTION_CONFIRM_MS = 1000;
/**
 * After congestion, one layer up is tried after this long (ms); each try that meets congestion again
 * doubles the wait, up to MAX_PROBE_AFTER_MS, and a try that holds for PROBE_HELD_MS resets it: a
 * link that cannot carry more is not hit every ten seconds.
 */
const PROBE_AFTER_MS = 10_000;
const MAX_PROBE_AFTER_MS = 80_000;
const PROBE_HELD_MS = 10_000;

/**
 * Layer choice from the SFU's own estimate (transport-cc, subscriber-bandwidth.ts), which unlike REMB
 * says what the path carries: a layer is kept while its bitrate fits the budget and left at once when
 * it does not; one layer up once the budget has covered UP_MARGIN × its bitrate for UP_HOLD_MS (the
 * estimate only gets there after a probe succeeded); video pauses when even the lowest layer has not
 * fitted — its budget below PAUSE_BELOW × its bitrate — for PAUSE_CONFIRM_MS, and resumes once the
 * budget covers RESUME_MARGIN × that layer.
 */
const UP_MARGIN = 1.15;
const UP_HOLD_MS = 1000;
const PAUSE_CONFIRM_MS = 1000;
/**
 * Video pauses only when the budget is below this share of the lowest layer: a link that carries the
 * lowest layer barely (its queue and estimate dipping at each key frame) keeps it rather than freezing.
 */
const PAUSE_BELOW = 0.5;
const RESUME_MARGIN = 1.1;
/**
 * The layer being forwarded is kept while the budget covers this share of its bitrate: one overuse
 * drops the estimate to 0.85 × what arrived, and on an unshaped path a busy receiver's late arrivals
 * read as one (seen in Chromium on a loaded machine: 720p → 360p, then no way back up for lack of a
 * probe that succeeds). A real bottleneck keeps the queue growing and the next decrease, 500 ms
 * later, goes below it.
 */
const KEEP_SHARE = 0.8;

/**
 * Which simulcast layer one subscriber should get (one per Subscription): from the size it shows the
 * video at, its own cap, and its bandwidth — the subscriber's REMB, or the SFU's transport-cc estimate
 * when that is fresh. Also decides when video pauses because even the lowest layer does not fit.
 * Ranks count from the smallest picture up (`layers.order` maps a rank to the publisher's layer).
 */
export class LayerSelector {
  /** Even the lowest layer does not fit the subscriber's estimated bandwidth (transport-cc). */
  pausedForBandwidth = false;
  /** The rank it would take if every layer were sent, as of the last choose() (rankIfAllSent). */
  neededRank = 0;
  /** Layer limits: from the size the subscriber shows the video at, and its own cap (data saver: 0). */
  private rankForSize = Number.POSITIVE_INFINITY;
  private rankCap = Number.POSITIVE_INFINITY;
  /** The share of the subscriber's REMB for this video, bits/s. */
  private bandwidthBudget = Number.POSITIVE_INFINITY;
  /** This video's share of the subscriber's transport-cc estimate, bits/s (NaN: none, REMB rules). */
  private estimatedBudget = Number.NaN;
  /** Its share of what the path has been seen to carry (SubscriberBandwidth.proven), bits/s. */
  private provenBudget = Number.POSITIVE_INFINITY;
  /** Since when the lowest layer has not fitted (NaN: it does), and the next layer up has (NaN: not). */
  private unfitSince = Number.NaN;
  private upFitsSince = Number.NaN;
  /** A step up decided and waiting for that layer's key frame (-1: none). */
  private pendingUp = -1;
  /** When the forwarded layer last changed, and when the budget last forced a lower one (ms). */
  private switchedAt = Number.NEGATIVE_INFINITY;
  private bandwidthLimitedAt = Number.NEGATIVE_INFINITY;
  /** The current wait before trying a layer up after congestion, and when the last try began (ms). */
  private probeAfter = PROBE_AFTER_MS;
  private probedAt = Number.NEGATIVE_INFINITY;
  /** Since when the estimate has been below the forwarded layer's bitrate (NaN: it is not). */
  private congestedSince = Number.NaN;
  /** When the estimate last clearly fell (ESTIMATE_FALLS); -∞ once it has clearly risen since. */
  private estimateFellAt = Number.NEGATIVE_INFINITY;
  /** Packets the subscriber NACKed since `nackWindowStart`, and whether the last window was lossy. */
  private nacked = 0;
  private nackWindowStart = 0;
  private lossy = false;

  constructor(private readonly layers: SimulcastLayers) {}

  /** The size (device pixels) at which the subscriber shows the video; 0 when hidden. */
  setDisplaySize(height: number, layerCount: number): void {
    const { layers, order } = this.layers;
    let rank = layerCount - 1;
    for (let i = 0; i < layerCount; i++) {
      // Unknown heights (no key frame seen yet): assume each layer doubles the one below, 180p first.
      const layerHeight = layers[order[i]!]!.height || 180 * 2 ** i;
      if (layerHeight >= height) {
        rank = i;
        break;
      }
    }
    this.rankForSize = rank;
  }

  /** The highest rank the subscriber accepts, whatever its display size; Infinity for no cap. Changed? */
  setCap(rank: number): boolean {
    if (rank === this.rankCap) return false;
    this.rankCap = rank;
    return true;
  }

  /** The subscriber's REMB share for this video, bits/s. */
  setBandwidthBudget(bitsPerSecond: number, now: number): void {
    // (The first estimate counts as a fall from no limit.)
    const previous = this.bandwidthBudget;
    if (bitsPerSecond < previous * ESTIMATE_FALLS) this.estimateFellAt = now;
    else if (bitsPerSecond > previous * ESTIMATE_RISES) this.estimateFellAt = Number.NEGATIVE_INFINITY;
    this.bandwidthBudget = bitsPerSecond;
  }

  /**
   * This video's share of the transport-cc estimate, bits/s (NaN: no estimate, the REMB rules apply),
   * and of what the path has been seen to carry: a step up to a larger layer needs both to cover it
   * (Infinity: not known, only the estimate counts).
   */
  setEstimatedBudget(bitsPerSecond: number, provenBitsPerSecond = Number.POSITIVE_INFINITY): void {
    this.estimatedBudget = bitsPerSecond;
    this.provenBudget = provenBitsPerSecond;
  }

  /** The subscriber NACKed `count` packets of this video (heavy loss means congestion). */
  nacksReceived(count: number): void {
    this.nacked += count;
  }

  /** The forwarded layer changed (the estimate lags the new rate for a while). */
  switched(now: number): void {
    this.switchedAt = now;
  }

  /**
   * The layer to forward: the one the display size asks for, among the layers being sent, lowered
   * when the subscriber's bandwidth cannot carry it. `current`: the layer forwarded now (-1: none);
   * `estimateFresh`: the transport-cc estimate has fresh feedback. May change pausedForBandwidth.
   *
   * A browser's receive-side estimate (REMB) stays near 1.5 × what it receives and drops below it
   * only on congestion, so it cannot say whether a larger layer would fit: the budget lowers the layer
   * when it has fallen (or the subscriber NACKs much) and stays clearly below what is being forwarded
   * for a second (ignoring the estimate for a while after a switch, which it lags), allows a larger
   * layer it covers at once, and after a quiet period tries one layer up (waiting longer after each
   * try that fails).
   */
  choose(layerCount: number, current: number, estimateFresh: boolean, now: number): number {
    const { layers, order } = this.layers;
    const top = layerCount - 1;
    this.neededRank = this.rankIfAllSent(layerCount, current, estimateFresh, now);
    const sent = (rank: number) => this.layers.isSent(order[rank]!);
    let rank = layerForSize(Math.min(this.rankForSize, this.rankCap), top, sent);
    const bitrateAt = (r: number) => layers[order[r]!]!.bitrate;
    if (now - this.nackWindowStart >= 1000) {
      this.lossy = (this.nacked * 1000) / (now - this.nackWindowStart) > CONGESTED_NACKS_PER_SECOND;
      this.nacked = 0;
      this.nackWindowStart = now;
    }
    if (!Number.isNaN(this.estimatedBudget) && estimateFresh)
      return order[this.rankForEstimate(rank, current, now)]!;
    this.setPausedForBandwidth(false);
    const budget = this.bandwidthBudget;
    if (budget < bitrateAt(rank) && top > 0) {
      const currentRank = current >= 0 ? order.indexOf(current) : -1;
      // The largest sent layer at most `limit` that the budget covers (the lowest sent one if none does).
      const fitting = (limit: number) => {
        let fit = -1;
        for (let r = 0; r <= limit; r++) if (sent(r) && (fit < 0 || bitrateAt(r) <= budget)) fit = r;
        return fit < 0 ? rank : fit;
      };
      // Heavy loss is congestion at once (no estimate to wait for); a low estimate once it has settled.
      const congested =
        currentRank >= 0 &&
        (this.lossy ||
          (now - this.estimateFellAt < FALL_COUNTS_MS &&
            budget < CONGESTED_SHARE * bitrateAt(currentRank) &&
            now - this.switchedAt >= ESTIMATE_SETTLE_MS));
      if (!congested) this.congestedSince = Number.NaN;
      else if (Number.isNaN(this.congestedSince)) this.congestedSince = now;
      if (congested && now - this.congestedSince >= CONGESTION_CONFIRM_MS) {
        // Congested for a while, not a passing dip: a smaller layer than the one being forwarded.
        rank = Math.min(rank, fitting(Math.max(0, currentRank - 1)));
        // A try one layer up failed: wait twice as long before the next.
        if (now - this.probedAt < PROBE_HELD_MS)
          this.probeAfter = Math.min(2 * this.probeAfter, MAX_PROBE_AFTER_MS);
        this.probedAt = Number.NEGATIVE_INFINITY;
        this.bandwidthLimitedAt = now;
      } else if (now - this.bandwidthLimitedAt < this.probeAfter) {
        // Recently congested: keep the layer, or go up only as far as the budget covers.
        rank = Math.min(rank, Math.max(currentRank, fitting(rank)));
      } else if (currentRank >= 0 && rank > currentRank) {
        // Quiet for a while: try one layer up (the estimate lags what it has not seen).
        const up = Math.min(rank, Math.max(currentRank + 1, fitting(rank)));
        if (up !== currentRank && this.probedAt === Number.NEGATIVE_INFINITY) this.probedAt = now;
        rank = up;
      }
    }
    // A try that held: the next congestion starts the waits over.
    if (now - this.probedAt >= PROBE_HELD_MS) {
      this.probeAfter = PROBE_AFTER_MS;
      this.probedAt = Number.NEGATIVE_INFINITY;
    }
    return order[rank]!;
  }

  /**
   * The layer rank for this video's share of the estimate, at most `limit` (the display size's, among
   * the layers sent): see UP_MARGIN and the constants beside it. Pauses and resumes the video.
   */
  private rankForEstimate(limit: number, current: number, now: number): number {
    const { layers, order } = this.layers;
    const budget = this.estimatedBudget;
    const pendingUp = this.pendingUp;
    this.pendingUp = -1;
    const sent = (rank: number) => this.layers.isSent(order[rank]!);
    const bitrateAt = (rank: number) => layers[order[rank]!]!.bitrate;
    let lowest = -1;
    let fits = -1;
    let fitsWithMargin = -1;
    for (let rank = 0; rank <= limit; rank++) {
      if (!sent(rank)) continue;
      if (lowest < 0) lowest = rank;
      if (bitrateAt(rank) <= budget) fits = rank;
      // A step up onto the estimate's headroom alone may not fit: the path must have carried it.
      if (bitrateAt(rank) * UP_MARGIN <= budget && bitrateAt(rank) <= this.provenBudget)
        fitsWithMargin = rank;
    }
    if (lowest < 0) return limit; // nothing sent at or below the size: the size's pick stands
    if (fits < 0) {
      // Not even the lowest layer fits: video pauses (audio goes on) when far from fitting, for a while.
      if (this.layers.measured && budget < PAUSE_BELOW * bitrateAt(lowest)) {
        if (Number.isNaN(this.unfitSince)) this.unfitSince = now;
        if (now - this.unfitSince >= PAUSE_CONFIRM_MS) this.setPausedForBandwidth(true);
      } else this.unfitSince = Number.NaN;
      this.upFitsSince = Number.NaN;
      return lowest;
    }
    this.unfitSince = Number.NaN;
    if (this.pausedForBandwidth) {
      if (bitrateAt(lowest) * RESUME_MARGIN <= budget) this.setPausedForBandwidth(false);
      return lowest;
    }
    const currentRank = current >= 0 ? order.indexOf(current) : -1;
    const kept =
      currentRank > fits &&
      currentRank <= limit &&
      sent(currentRank) &&
      bitrateAt(currentRank) * KEEP_SHARE <= budget;
    if (kept) {
      this.upFitsSince = Number.NaN;
      return currentRank;
    }
    // The first layer: the largest that fits. A layer that no longer fits (or is no longer sent, or is
    // above the size): the largest below it that does, at once.
    if (currentRank < 0 || currentRank > fits || !sent(currentRank)) {
      this.upFitsSince = Number.NaN;
      return fits;
    }
    // A step up already decided stands until its key frame comes, while it fits: the next call (the
    // next feedback, often the same one delivered to another track) would start the hold over and
    // take it back before the key frame arrived, and the video never went up (seen in Firefox).
    if (pendingUp > currentRank && pendingUp <= fits && sent(pendingUp)) {
      this.pendingUp = pendingUp;
      return pendingUp;
    }
    if (fitsWithMargin > currentRank) {
      if (Number.isNaN(this.upFitsSince)) this.upFitsSince = now;
      if (now - this.upFitsSince >= UP_HOLD_MS) {
        this.upFitsSince = Number.NaN;
        let up = currentRank + 1;
        while (up < fitsWithMargin && !sent(up)) up++;
        this.pendingUp = up;
        return up;
      }
    } else this.upFitsSince = Number.NaN;
    return currentRank;
  }

  /**
   * The rank this subscriber would take if the publisher sent every layer (layer-demand.ts pauses
   * the others at the publisher): the display size's and cap's, lowered by its bandwidth as choose()
   * lowers it — on the transport-cc estimate the largest layer whose bitrate (the last measured, for a
   * paused one) fits, or the forwarded one while it is kept; on REMB, while a congestion's wait lasts,
   * no higher than what fits or is forwarded. Paused for bandwidth: the lowest.
   */
  private rankIfAllSent(layerCount: number, current: number, estimateFresh: boolean, now: number): number {
    const { order } = this.layers;
    const limit = Math.min(layerCount - 1, this.rankForSize, this.rankCap);
    const currentRank = current >= 0 ? order.indexOf(current) : -1;
    const bitrateAt = (rank: number) => this.layers.expectedBitrate(order[rank]!);
    const fitting = (budget: number) => {
      let fit = 0;
      for (let rank = 1; rank <= limit; rank++) if (bitrateAt(rank) <= budget) fit = rank;
      return fit;
    };
    if (!Number.isNaN(this.estimatedBudget) && estimateFresh) {
      if (this.pausedForBandwidth) return 0;
      const budget = this.estimatedBudget;
      const kept = currentRank >= 0 && currentRank <= limit && bitrateAt(currentRank) * KEEP_SHARE <= budget;
      // Larger layers only once the path has carried them (a probe): else the publisher resumed a layer
      // on the estimate's headroom that the subscriber then could not take.
      const proven = currentRank >= 0 ? Math.min(budget, this.provenBudget) : budget;
      return Math.max(fitting(proven), kept ? currentRank : 0);
    }
    if (now - this.bandwidthLimitedAt < this.probeAfter)
      return Math.min(limit, Math.max(currentRank, fitting(this.bandwidthBudget)));
    return limit;
  }

  private setPausedForBandwidth(paused: boolean): void {
    if (paused === this.pausedForBandwidth) return;
    this.pausedForBandwidth = paused;
    this.unfitSince = Number.NaN;
  }

  /**
   * How much more than this video's budget the subscriber would need for the next step it wants (the
   * next layer up within its display size, or the lowest layer to resume), bits/s; 0 when it wants
   * nothing more or nothing is known of the layers' bitrates yet.
   */
  wantedExtra(layerCount: number, current: number): number {
    const { order, measured } = this.layers;
    if (!measured) return 0;
    const top = Math.min(layerCount - 1, this.rankForSize, this.rankCap);
    // Counted from what the path has carried when that is less: the probe asked for must show it.
    const budget = Number.isNaN(this.estimatedBudget) ? 0 : Math.min(this.estimatedBudget, this.provenBudget);
    const currentRank = current >= 0 ? order.indexOf(current) : -1;
    for (let rank = this.pausedForBandwidth ? 0 : currentRank + 1; rank <= top; rank++) {
      // A layer paused at the publisher for want of takers comes back once the estimate covers it.
      if (!this.layers.mayArrive(order[rank]!)) continue;
      const margin = this.pausedForBandwidth ? RESUME_MARGIN : UP_MARGIN;
      return Math.max(0, this.layers.expectedBitrate(order[rank]!) * margin - budget);
    }
    return 0;
  }
}

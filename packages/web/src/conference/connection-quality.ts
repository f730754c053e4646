/** How well a participant's media reaches us, as shown on their tile. */
export type Quality = 'good' | 'fair' | 'poor';

/** Counters of one inbound RTP stream, as read from `getStats()`. */
export interface InboundSample {
  trackId: string;
  packetsReceived: number;
  packetsLost: number;
  /** Seconds. */
  jitter: number;
}

export interface StatsSample {
  inbound: InboundSample[];
  /** Seconds, of the selected candidate pair; null when unknown. */
  roundTripTime: number | null;
}

/** Reads what the quality needs from a receiving RTCPeerConnection's stats report. */
export function sampleStats(report: RTCStatsReport): StatsSample {
  const inbound: InboundSample[] = [];
  let roundTripTime: number | null = null;
  report.forEach((stat: Record<string, unknown>) => {
    if (stat.type === 'inbound-rtp' && typeof stat.trackIdentifier === 'string') {
      inbound.push({
        trackId: stat.trackIdentifier,
        packetsReceived: Number(stat.packetsReceived ?? 0),
        packetsLost: Number(stat.packetsLost ?? 0),
        jitter: Number(stat.jitter ?? 0),
      });
    }
    if (
      stat.type === 'candidate-pair' &&
      stat.nominated === true &&
      typeof stat.currentRoundTripTime === 'number'
    ) {
      roundTripTime = stat.currentRoundTripTime;
    }
  });
  return { inbound, roundTripTime };
}

/**
 * Each participant's quality over the interval between two samples: packet loss (over 2 % fair,
 * over 8 % poor), jitter (over 30 ms fair, 100 ms poor) and the connection's round trip (over 400 ms
 * fair, 1 s poor). `owners` maps a received track id to its participant.
 */
export function qualities(
  before: StatsSample,
  after: StatsSample,
  owners: ReadonlyMap<string, string>,
): Map<string, Quality> {
  const totals = new Map<string, { received: number; lost: number; jitter: number }>();
  for (const now of after.inbound) {
    const owner = owners.get(now.trackId);
    if (!owner) continue;
    const then = before.inbound.find((s) => s.trackId === now.trackId);
    const total = totals.get(owner) ?? { received: 0, lost: 0, jitter: 0 };
    total.received += Math.max(0, now.packetsReceived - (then?.packetsReceived ?? 0));
    total.lost += Math.max(0, now.packetsLost - (then?.packetsLost ?? 0));
    total.jitter = Math.max(total.jitter, now.jitter);
    totals.set(owner, total);
  }
  const rtt = after.roundTripTime ?? 0;
  const result = new Map<string, Quality>();
  for (const [owner, total] of totals) {
    const sent = total.received + total.lost;
    const loss = sent === 0 ? 0 : total.lost / sent;
    const poor = loss > 0.08 || total.jitter > 0.1 || rtt > 1;
    const fair = loss > 0.02 || total.jitter > 0.03 || rtt > 0.4;
    result.set(owner, poor ? 'poor' : fair ? 'fair' : 'good');
  }
  return result;
}

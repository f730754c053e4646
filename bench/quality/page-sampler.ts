import type { Page } from 'playwright-core';

/** The inbound video stream a subscriber shows in one tile, as Chromium's getStats() reports it. */
export interface InboundSample {
  ssrc: number;
  frameWidth: number;
  frameHeight: number;
  framesReceived: number;
  framesDecoded: number;
  framesDropped: number;
  keyFramesDecoded: number;
  /** webrtc-stats: a freeze is a gap between rendered frames > max(3 × mean frame duration, mean + 150 ms). */
  freezeCount: number;
  /** Seconds, summed over the freezes. */
  totalFreezesDuration: number;
  /** Pauses: gaps of > 5 s (not counted as freezes). */
  pauseCount: number;
  totalPausesDuration: number;
  packetsReceived: number;
  packetsLost: number;
  nackCount: number;
  pliCount: number;
  firCount: number;
  bytesReceived: number;
}

/** One simulcast layer of the publisher's camera, as its getStats() reports it. */
export interface OutboundLayer {
  /** Parley's simulcast is SSRC-based (no rid): layers are told apart by SSRC. */
  ssrc: number;
  rid: string | null;
  frameHeight: number;
  framesEncoded: number;
  bytesSent: number;
  /** Why Chromium sends less than it could: "none", "bandwidth", "cpu". */
  qualityLimitationReason: string;
}

/** One reading of a page's statistics; `t` is the page's Date.now() (the same clock as Node's). */
export interface Sample {
  t: number;
  inbound: InboundSample | null;
  outbound: OutboundLayer[];
}

interface SamplerWindow {
  __pcs: RTCPeerConnection[];
  __quality?: { samples: Sample[]; timer: number };
}

/**
 * Starts reading the page's getStats() every `intervalMs` inside the page (no round trip to Node per
 * reading, so the readings are evenly spaced): the video shown in `tileSelector`'s <video> (matched by
 * its track), and every outbound video layer. The peer connections are those newPerson() records in
 * window.__pcs.
 */
export async function startSampling(
  page: Page,
  tileSelector: string | null,
  intervalMs: number,
): Promise<void> {
  // Only inline callbacks inside: tsx would wrap named functions in a helper the page lacks.
  await page.evaluate(
    ({ selector, interval }) => {
      const w = window as unknown as SamplerWindow;
      const samples: Sample[] = [];
      let busy = false;
      const timer = window.setInterval(async () => {
        if (busy) return;
        busy = true;
        try {
          const t = Date.now();
          const video = selector ? document.querySelector<HTMLVideoElement>(`${selector} video`) : null;
          const stream = video?.srcObject;
          const trackId = stream instanceof MediaStream ? (stream.getVideoTracks()[0]?.id ?? null) : null;
          const sample: Sample = { t, inbound: null, outbound: [] };
          for (const pc of w.__pcs) {
            if (pc.connectionState === 'closed') continue;
            const stats = await pc.getStats();
            // biome-ignore lint/suspicious/noExplicitAny: getStats reports are loosely typed dictionaries.
            stats.forEach((r: any) => {
              if (r.kind !== 'video') return;
              if (r.type === 'inbound-rtp' && trackId !== null && r.trackIdentifier === trackId) {
                sample.inbound = {
                  ssrc: r.ssrc,
                  frameWidth: r.frameWidth ?? 0,
                  frameHeight: r.frameHeight ?? 0,
                  framesReceived: r.framesReceived ?? 0,
                  framesDecoded: r.framesDecoded ?? 0,
                  framesDropped: r.framesDropped ?? 0,
                  keyFramesDecoded: r.keyFramesDecoded ?? 0,
                  freezeCount: r.freezeCount ?? Number.NaN,
                  totalFreezesDuration: r.totalFreezesDuration ?? Number.NaN,
                  pauseCount: r.pauseCount ?? Number.NaN,
                  totalPausesDuration: r.totalPausesDuration ?? Number.NaN,
                  packetsReceived: r.packetsReceived ?? 0,
                  packetsLost: r.packetsLost ?? 0,
                  nackCount: r.nackCount ?? 0,
                  pliCount: r.pliCount ?? 0,
                  firCount: r.firCount ?? 0,
                  bytesReceived: r.bytesReceived ?? 0,
                };
              } else if (r.type === 'outbound-rtp') {
                sample.outbound.push({
                  ssrc: r.ssrc,
                  rid: r.rid ?? null,
                  frameHeight: r.frameHeight ?? 0,
                  framesEncoded: r.framesEncoded ?? 0,
                  bytesSent: r.bytesSent ?? 0,
                  qualityLimitationReason: r.qualityLimitationReason ?? '',
                });
              }
            });
          }
          samples.push(sample);
        } finally {
          busy = false;
        }
      }, interval);
      w.__quality = { samples, timer };
    },
    { selector: tileSelector, interval: intervalMs },
  );
}

/** Stops the page's sampler and returns its readings. */
export async function collectSamples(page: Page): Promise<Sample[]> {
  return page.evaluate(() => {
    const w = window as unknown as SamplerWindow;
    if (!w.__quality) return [];
    window.clearInterval(w.__quality.timer);
    return w.__quality.samples;
  });
}

import type { Page } from 'playwright-core';
import type { Person } from './person.js';

/** One outbound video RTP stream as the sending browser reports it (one per simulcast layer). */
export interface OutboundVideo {
  ssrc: number;
  /** The m-line: the camera's layers share one, a screen share has its own. */
  mid: string;
  rid: string | null;
  frameHeight: number;
  /** Height of the captured frames this stream is encoded from (its media-source). */
  sourceHeight: number;
  framesEncoded: number;
  bytesSent: number;
  targetBitrate: number;
  qualityLimitationReason: string;
  encoderImplementation: string | null;
  active: boolean | null;
}

/** One inbound video RTP stream as the receiving browser reports it. */
export interface InboundVideo {
  ssrc: number;
  trackIdentifier: string;
  frameHeight: number;
  framesDecoded: number;
  keyFramesDecoded: number;
  freezeCount: number;
  pliCount: number;
  nackCount: number;
  packetsLost: number;
  packetsReceived: number;
  /** Retransmissions received on the RTX stream (RFC 4588), and that stream's SSRC (null: no RTX). */
  retransmittedPacketsReceived: number;
  rtxSsrc: number | null;
}

export interface VideoStats {
  outbound: OutboundVideo[];
  inbound: InboundVideo[];
  /** The send-side bandwidth estimate of each connection that sends (candidate-pair). */
  availableOutgoingBitrate: number[];
}

/** A Playwright page, or a Person in either browser: both run a self-contained function in the page. */
export type InPage = Page | Person;

export function inPage(target: InPage): Pick<Person, 'evaluate'> {
  return target as Pick<Person, 'evaluate'>;
}

/**
 * The video RTP statistics of every open peer connection of the page (window.__pcs, see
 * newPerson), in the shape chrome://webrtc-internals shows them.
 */
export async function videoStats(target: InPage): Promise<VideoStats> {
  return inPage(target).evaluate(async () => {
    const result: VideoStats = { outbound: [], inbound: [], availableOutgoingBitrate: [] };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      // biome-ignore lint/suspicious/noExplicitAny: getStats reports are loosely typed dictionaries.
      stats.forEach((report: any) => {
        if (report.type === 'outbound-rtp' && report.kind === 'video') {
          const source = report.mediaSourceId
            ? (stats as unknown as Map<string, { height?: number }>).get(report.mediaSourceId)
            : undefined;
          result.outbound.push({
            ssrc: report.ssrc,
            mid: report.mid ?? '',
            rid: report.rid ?? null,
            frameHeight: report.frameHeight ?? 0,
            sourceHeight: source?.height ?? 0,
            framesEncoded: report.framesEncoded ?? 0,
            bytesSent: report.bytesSent ?? 0,
            targetBitrate: report.targetBitrate ?? 0,
            qualityLimitationReason: report.qualityLimitationReason ?? '',
            encoderImplementation: report.encoderImplementation ?? null,
            active: report.active ?? null,
          });
        } else if (report.type === 'inbound-rtp' && report.kind === 'video') {
          result.inbound.push({
            ssrc: report.ssrc,
            trackIdentifier: report.trackIdentifier ?? '',
            frameHeight: report.frameHeight ?? 0,
            framesDecoded: report.framesDecoded ?? 0,
            keyFramesDecoded: report.keyFramesDecoded ?? 0,
            freezeCount: report.freezeCount ?? 0,
            pliCount: report.pliCount ?? 0,
            nackCount: report.nackCount ?? 0,
            packetsLost: report.packetsLost ?? 0,
            packetsReceived: report.packetsReceived ?? 0,
            retransmittedPacketsReceived: report.retransmittedPacketsReceived ?? 0,
            rtxSsrc: report.rtxSsrc ?? null,
          });
        } else if (
          report.type === 'candidate-pair' &&
          report.nominated &&
          typeof report.availableOutgoingBitrate === 'number'
        ) {
          result.availableOutgoingBitrate.push(report.availableOutgoingBitrate);
        }
      });
    }
    return result;
  });
}

/** The inbound video stream shown in the tile (matched by the <video>'s track), or null. */
export async function tileVideoStats(page: InPage, tileSelector: string): Promise<InboundVideo | null> {
  const trackId = await inPage(page).evaluate((selector: string) => {
    const video = document.querySelector<HTMLVideoElement>(`${selector} video`);
    const stream = video?.srcObject;
    return stream instanceof MediaStream ? (stream.getVideoTracks()[0]?.id ?? null) : null;
  }, tileSelector);
  if (trackId === null) return null;
  const { inbound } = await videoStats(page);
  return inbound.find((stream) => stream.trackIdentifier === trackId) ?? null;
}

/** The codecs (mime types) of the page's video streams in one direction, from getStats. */
export function videoCodecs(person: Person, direction: 'inbound-rtp' | 'outbound-rtp'): Promise<string[]> {
  return mediaCodecs(person, direction, 'video');
}

/** The codecs (mime types) of the page's streams of one kind in one direction that carry media now. */
export function mediaCodecs(
  person: Person,
  direction: 'inbound-rtp' | 'outbound-rtp',
  kind: 'audio' | 'video',
): Promise<string[]> {
  return person.evaluate(
    async ({ type, kind }) => {
      const codecs: string[] = [];
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
        if (pc.connectionState === 'closed') continue;
        const stats = await pc.getStats();
        // biome-ignore lint/suspicious/noExplicitAny: getStats reports are loosely typed dictionaries.
        stats.forEach((report: any) => {
          if (report.type !== type || report.kind !== kind || !report.codecId) return;
          const carried =
            kind === 'video'
              ? (report.framesEncoded ?? report.framesDecoded)
              : (report.packetsSent ?? report.packetsReceived);
          if ((carried ?? 0) === 0) return;
          // biome-ignore lint/suspicious/noExplicitAny: as above.
          const codec = (stats as unknown as Map<string, any>).get(report.codecId);
          if (codec?.mimeType) codecs.push(String(codec.mimeType).toLowerCase());
        });
      }
      return codecs;
    },
    { type: direction, kind },
  );
}

/** Audio packets the page has received and lost so far, over all its inbound audio streams. */
export function audioPackets(page: InPage): Promise<{ received: number; lost: number }> {
  return inPage(page).evaluate(async () => {
    let received = 0;
    let lost = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((report) => {
        if (report.type !== 'inbound-rtp' || report.kind !== 'audio') return;
        received += report.packetsReceived ?? 0;
        lost += report.packetsLost ?? 0;
      });
    }
    return { received, lost };
  });
}

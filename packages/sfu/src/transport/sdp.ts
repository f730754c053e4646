// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).

import { MediaError } from '../api/media-error.js';
import { isDecimal, readFormatAttribute, readSsrcLine } from './sdp-attributes.js';

/**
 * SDP reading and writing. libdatachannel writes and reads the session descriptions; the SFU adjusts
 * the text on the way in (publish-offer.ts: what it accepts from a publishing browser; a browser's
 * answer, below) and on the way out (publish-answer.ts, sdp-candidates.ts: the one address the SFU
 * announces; media-section-slots.ts: compact removed m-lines). Everything works line by line on the
 * structure RFC 8866 gives SDP: session lines, then one section per `m=` line.
 */

export interface SdpDocument {
  session: string[];
  media: string[][];
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MediaSection {
  mid: string;
  /** `audio`, `video`, `application`, or whatever else the `m=` line says. */
  kind: string;
  /**
   * Port 0 without `a=bundle-only`: the m-line is rejected/removed (RFC 3264 §8.2). Port 0 with
   * `a=bundle-only` is a live m-line sharing the BUNDLE transport (RFC 8843 §6; Firefox's offers
   * and answers use it).
   */
  rejected: boolean;
  direction: MediaDirection;
  /** The formats listed on the `m=` line. */
  payloadTypes: number[];
  /** SSRCs announced with `a=ssrc:` lines, in order of appearance. */
  ssrcs: number[];
}

/** Largest number of m-lines accepted in a client's offer (the protocol allows 8 published tracks). */
export const MAX_MEDIA_SECTIONS = 32;

/** Largest session description parsed, in characters (the signaling protocol's cap on an SDP field). */
export const MAX_SDP_LENGTH = 100_000;
/**
 * Largest number of lines in one: Chromium's offer for 32 m-lines has about 2,500, a subscriber's answer
 * for a 100-person meeting about 4,000. Bounds the work of every pass over a description.
 */
export const MAX_SDP_LINES = 10_000;
/** Largest number of m-lines in any description (a subscriber's offers grow with the meeting: ~2 per person). */
export const MAX_SDP_SECTIONS = 1_000;
/** Formats on one m-line (Chromium lists about 20) and distinct SSRCs announced on one (simulcast with RTX: 6). */
export const MAX_SECTION_FORMATS = 128;
export const MAX_SECTION_SSRCS = 32;

export function parseSdp(sdp: string): SdpDocument {
  if (sdp.length > MAX_SDP_LENGTH)
    throw new MediaError('bad-sdp', `The session description is longer than ${MAX_SDP_LENGTH} characters.`);
  const lines = sdp.split(/\r?\n/).filter((line) => line !== '');
  if (lines.length > MAX_SDP_LINES)
    throw new MediaError('bad-sdp', `The session description has more than ${MAX_SDP_LINES} lines.`);
  if (lines[0] !== 'v=0')
    throw new MediaError('bad-sdp', 'The session description does not start with "v=0".');
  const doc: SdpDocument = { session: [], media: [] };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (doc.media.length === MAX_SDP_SECTIONS)
        throw new MediaError('bad-sdp', `The session description has more than ${MAX_SDP_SECTIONS} m-lines.`);
      doc.media.push([line]);
    } else if (doc.media.length > 0) doc.media[doc.media.length - 1]!.push(line);
    else doc.session.push(line);
  }
  return doc;
}

export function checkSectionCount(doc: SdpDocument, maxSections: number): void {
  if (doc.media.length > maxSections) {
    throw new MediaError('bad-sdp', `The session description has more than ${maxSections} m-lines.`);
  }
}

export function writeSdp(doc: SdpDocument): string {
  return `${[...doc.session, ...doc.media.flat()].join('\r\n')}\r\n`;
}

/**
 * Give bundle-only m-lines (port 0 + `a=bundle-only`, RFC 8843) the placeholder port 9 and drop the
 * attribute: libdatachannel reads every port-0 m-line as removed. The SFU's own descriptions never
 * use bundle-only, so this only changes what a browser sends (Firefox marks every m-line but the
 * first of its BUNDLE group so, in offers and in answers).
 */
export function withoutBundleOnly(doc: SdpDocument): SdpDocument {
  doc.media = doc.media.map((section) => {
    if (!section.includes('a=bundle-only')) return section;
    return section
      .filter((line) => line !== 'a=bundle-only')
      .map((line, index) => {
        if (index !== 0) return line;
        const [kind, port, ...rest] = line.slice(2).split(' ');
        return port === '0' ? `m=${kind} 9 ${rest.join(' ')}` : line;
      });
  });
  return doc;
}

/**
 * A browser's answer in the form libdatachannel takes: bundle-only m-lines made plain (see
 * withoutBundleOnly), and every m-line's `a=setup` set to the first one's. The m-lines of a BUNDLE
 * group share the first one's DTLS transport (RFC 8843 §7), so the others' `a=setup` means nothing;
 * but libdatachannel reads the last one, and Firefox answers the SFU's new m-lines with
 * `a=setup:active` even though its DTLS role on the bundle is passive ("Incompatible roles").
 */
export function normalizeBrowserAnswer(sdp: string): string {
  const doc = withoutBundleOnly(parseSdp(sdp));
  const setup = doc.media[0]?.find((line) => line.startsWith('a=setup:'));
  if (setup !== undefined) {
    doc.media = doc.media.map((section) =>
      section.map((line) => (line.startsWith('a=setup:') ? setup : line)),
    );
  }
  return writeSdp(doc);
}

/** The value of attribute `name` on an m-line (`a=<name>:<value>`), or undefined. */
export function attribute(section: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return section.find((line) => line.startsWith(prefix))?.slice(prefix.length);
}

/** One m-line's mid, kind, direction, formats and SSRCs. Throws MediaError on a malformed one. */
export function describeSection(section: readonly string[], index: number): MediaSection {
  const [kind = '', port = '', , ...formats] = section[0]!.slice(2).split(' ', MAX_SECTION_FORMATS + 4);
  if (formats.length > MAX_SECTION_FORMATS)
    throw new MediaError('bad-sdp', `m-line ${index + 1} lists more than ${MAX_SECTION_FORMATS} formats.`);
  const mid = attribute(section, 'mid');
  if (mid === undefined || mid === '') {
    throw new MediaError('bad-sdp', `m-line ${index + 1} has no a=mid.`);
  }
  if (!isDecimal(port)) throw new MediaError('bad-sdp', `m-line ${index + 1} has an invalid port.`);
  let direction: MediaDirection = 'sendrecv';
  for (const line of section) {
    if (line === 'a=sendonly' || line === 'a=recvonly' || line === 'a=inactive' || line === 'a=sendrecv') {
      direction = line.slice(2) as MediaDirection;
    }
  }
  const ssrcs = new Set<number>();
  for (const line of section) {
    const ssrcLine = readSsrcLine(line);
    if (ssrcLine) ssrcs.add(ssrcLine.ssrc);
    if (ssrcs.size > MAX_SECTION_SSRCS)
      throw new MediaError('bad-sdp', `m-line ${index + 1} announces more than ${MAX_SECTION_SSRCS} SSRCs.`);
  }
  return {
    mid,
    kind,
    rejected: Number(port) === 0 && !section.includes('a=bundle-only'),
    direction,
    payloadTypes: formats.map(Number).filter((pt) => Number.isInteger(pt)),
    ssrcs: [...ssrcs],
  };
}

/** The m-lines of a session description, in order. Throws MediaError on a malformed one or too many. */
export function describeMedia(sdp: string, maxSections = Number.POSITIVE_INFINITY): MediaSection[] {
  const doc = parseSdp(sdp);
  checkSectionCount(doc, maxSections);
  const sections = doc.media.map(describeSection);
  const mids = new Set<string>();
  for (const section of sections) {
    if (mids.has(section.mid)) throw new MediaError('bad-sdp', `The mid "${section.mid}" is used twice.`);
    mids.add(section.mid);
  }
  return sections;
}

/**
 * The `a=rtcp-fb` values of each m-line of a description, by mid, as `<pt> <feedback>` with single
 * spaces (e.g. `111 nack`); m-lines without a mid are left out. Bounded by parseSdp's caps.
 */
export function feedbackByMid(sdp: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const section of parseSdp(sdp).media) {
    const mid = attribute(section, 'mid');
    if (mid === undefined) continue;
    const feedback: string[] = [];
    for (const line of section) {
      const rtcpFb = readFormatAttribute(line);
      if (rtcpFb?.key === 'rtcp-fb' && rtcpFb.format !== '*')
        feedback.push(`${rtcpFb.format} ${rtcpFb.value.trim().split(/\s+/).join(' ')}`);
    }
    result.set(mid, feedback);
  }
  return result;
}

// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).

import { MediaError } from '../api/media-error.js';
import { AUDIO_LEVEL_URI } from '../rtp/audio-level.js';
import { RID_PATTERN, RTP_STREAM_ID_URI } from '../rtp/rtp-stream-id.js';
import { REPAIRED_RTP_STREAM_ID_URI } from '../rtp/rtx.js';
import { codecOfEncoding, type VideoCodecName } from '../rtp/video-codec.js';
import {
  isDecimal,
  readExtmap,
  readFormatAttribute,
  readRtpmap,
  readSsrcGroup,
  readSsrcLine,
} from './sdp-attributes.js';
import { TRANSPORT_CC_URI } from './transport-cc.js';

/**
 * SDP munging. libdatachannel writes and reads the session descriptions; these functions adjust the
 * text on the way in (what the SFU accepts from a publishing browser) and on the way out (the one
 * address the SFU announces, compact removed m-lines). Everything works line by line on the
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

function checkSectionCount(doc: SdpDocument, maxSections: number): void {
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

function attribute(section: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return section.find((line) => line.startsWith(prefix))?.slice(prefix.length);
}

function describeSection(section: readonly string[], index: number): MediaSection {
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

/** What the SFU will receive on one m-line of a publish offer, after `restrictPublishOffer`. */
export interface PublishOfferMedia extends MediaSection {
  kind: 'audio' | 'video';
  /**
   * The payload type the browser uses for Opus (audio) or the video codec; null on a rejected m-line.
   */
  payloadType: number | null;
  /** Video: the codec of payloadType (the first the offer lists that the SFU forwards); else null. */
  codec: VideoCodecName | null;
  /** Video: the `a=fmtp` parameters of payloadType, offered to subscribers as they are ('' if none). */
  formatParameters: string;
  /** The SSRC of the media stream itself (not its RTX/FEC repair stream); null if none was announced. */
  ssrc: number | null;
  /** RFC 8285 id of the audio-level header extension (audio m-lines that offer it), else null. */
  audioLevelExtensionId: number | null;
  /** RFC 8285 id of the transport-wide sequence number extension, or null (no transport-cc). */
  transportCcExtensionId: number | null;
  /** SSRC simulcast (`a=ssrc-group:SIM`): the layers' SSRCs, lowest first; empty without simulcast. */
  layerSsrcs: number[];
  /**
   * RID simulcast (`a=rid` + `a=simulcast:send`, Firefox): the layers' RIDs in the offer's simulcast
   * order (the SFU orders layers by the heights of their key frames anyway); empty without. Which
   * SSRC carries which RID is learnt from the packets' rtp-stream-id extension.
   */
  layerRids: string[];
  /** RFC 8285 id of the rtp-stream-id header extension when `layerRids` is not empty, else null. */
  ridExtensionId: number | null;
  /**
   * RFC 4588 retransmissions (video): the payload type of `rtx` with `apt=` the VP8 payload type, or
   * null when the offer has none (the browser then retransmits on the media SSRC).
   */
  rtxPayloadType: number | null;
  /**
   * With rtxPayloadType: the `a=ssrc-group:FID` pairs of the media streams kept (each layer's own
   * with SSRC or RID simulcast) and the SSRC that carries their retransmissions.
   */
  repairSsrcs: { media: number; rtx: number }[];
  /**
   * With rtxPayloadType and RID simulcast: RFC 8285 id of the repaired-rtp-stream-id extension, which
   * names the layer a retransmission repairs (a layer's RTX SSRC is learnt from it); else null.
   */
  repairedRidExtensionId: number | null;
  /**
   * RFC 2198 redundant audio (Opus RED): the payload type of `red/48000/2` whose `a=fmtp` lists only
   * the Opus payload type (`111/111`), or null when the offer has none. Kept, and listed first so the
   * browser sends RED (libwebrtc sends RED when the answer's first audio format is RED).
   */
  redPayloadType: number | null;
}

export interface RestrictedPublishOffer {
  sdp: string;
  media: PublishOfferMedia[];
}

/** Header extensions the SFU accepts on audio: audio level, for active-speaker detection. */
const ACCEPTED_EXTENSIONS = new Set([AUDIO_LEVEL_URI]);
/** Feedback the SFU gives or forwards (transport-cc: the SFU reports arrivals, transport-cc.ts). */
const ACCEPTED_FEEDBACK = new Set(['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc']);

/**
 * Restrict a browser's publish offer to what the SFU forwards: Opus for audio; for video the first
 * codec of the m-line (the browser's preference) among VP8, VP9, H.264 and AV1 in a format every
 * subscriber can be offered as is (video-codec.ts; SSRC simulcast layers kept) with its RTX (RFC 4588:
 * `rtx` with `apt=` that codec, and the retransmission SSRCs
 * of the kept streams), no RED or FEC; header extensions: audio level, the RID of RID simulcast (and
 * the repaired RID with RTX) and the transport-wide sequence number (transport-cc.ts); never a
 * direction that asks the SFU to send, and no client candidates (see withoutCandidates).
 * libdatachannel answers by mirroring the offer, so the answer then lists exactly these.
 * Throws MediaError when an active audio/video m-line lacks the codec.
 */
export function restrictPublishOffer(sdp: string): RestrictedPublishOffer {
  const doc = parseSdp(sdp);
  if (doc.media.length === 0) throw new MediaError('bad-sdp', 'The publish offer has no m-line.');
  checkSectionCount(doc, MAX_MEDIA_SECTIONS);
  const media: PublishOfferMedia[] = [];
  const mids = new Set<string>();
  withoutBundleOnly(doc);
  doc.session = doc.session.filter((line) => line !== 'a=extmap-allow-mixed');
  doc.media = doc.media.map((section, index) => {
    const info = describeSection(section, index);
    if (mids.has(info.mid)) throw new MediaError('bad-sdp', `The mid "${info.mid}" is used twice.`);
    mids.add(info.mid);
    if (info.kind !== 'audio' && info.kind !== 'video') return section;
    const restricted = restrictSection(section, { ...info, kind: info.kind });
    media.push(restricted.media);
    return restricted.lines;
  });
  return { sdp: withoutCandidates(writeSdp(doc)), media };
}

function restrictSection(
  section: string[],
  info: MediaSection & { kind: 'audio' | 'video' },
): { lines: string[]; media: PublishOfferMedia } {
  const offeredTypes = new Set(info.payloadTypes);
  const chosen =
    info.kind === 'audio' ? opusFormat(section, offeredTypes) : videoFormat(section, info.payloadTypes);
  const payloadType = chosen?.payloadType ?? null;
  if (payloadType === null && !info.rejected) {
    throw new MediaError(
      'bad-sdp',
      info.kind === 'audio'
        ? `The audio m-line "${info.mid}" does not offer Opus.`
        : `The video m-line "${info.mid}" offers none of the codecs the SFU forwards (VP8, VP9, H.264 in packetization mode 1, AV1).`,
    );
  }
  const rtxPayloadType =
    info.kind === 'video' && payloadType !== null
      ? retransmissionFormat(section, payloadType, offeredTypes)
      : null;
  const redPayloadType =
    info.kind === 'audio' && payloadType !== null
      ? redundancyFormat(section, payloadType, offeredTypes)
      : null;
  const repairedSsrcs = new Set<number>();
  /** FID groups (RFC 5576): the second SSRC carries the first one's retransmissions. */
  const fidPairs: { media: number; rtx: number }[] = [];
  let layerSsrcs: number[] = [];
  for (const line of section) {
    const group = readSsrcGroup(line);
    if (!group) continue;
    const { semantics, ssrcs } = group;
    // SIM: the simulcast layers, lowest first (video only, at most three).
    if (semantics === 'SIM' && info.kind === 'video' && ssrcs.length > 1) layerSsrcs = ssrcs.slice(0, 3);
    // FID/FEC-FR: the others repair the first.
    else if (semantics !== 'SIM') for (const ssrc of ssrcs.slice(1)) repairedSsrcs.add(ssrc);
    if (semantics === 'FID' && ssrcs.length === 2 && ssrcs.every((ssrc) => info.ssrcs.includes(ssrc)))
      fidPairs.push({ media: ssrcs[0]!, rtx: ssrcs[1]! });
  }
  const mediaSsrcs = info.ssrcs.filter((candidate) => !repairedSsrcs.has(candidate));
  const rid =
    layerSsrcs.length === 0 && info.kind === 'video' ? ridSimulcast(section, mediaSsrcs.length) : null;
  const layerRids = rid?.rids ?? [];
  const ssrc = layerSsrcs[0] ?? mediaSsrcs[0] ?? null;
  /** The media SSRCs the SFU receives: libdatachannel routes packets by the `a=ssrc` lines kept. */
  const kept = (candidate: number) =>
    candidate === ssrc ||
    layerSsrcs.includes(candidate) ||
    (layerRids.length > 0 && mediaSsrcs.includes(candidate));
  // Each kept stream's retransmission SSRC (one each: a second FID group for a stream is ignored).
  const repairSsrcs: { media: number; rtx: number }[] = [];
  if (rtxPayloadType !== null) {
    for (const pair of fidPairs) {
      if (!kept(pair.media) || kept(pair.rtx) || repairSsrcs.some((known) => known.media === pair.media))
        continue;
      if (repairSsrcs.some((known) => known.rtx === pair.rtx)) continue;
      repairSsrcs.push(pair);
    }
  }
  const repairedRidExtensionId =
    rid !== null && rtxPayloadType !== null ? extensionIdOf(section, REPAIRED_RTP_STREAM_ID_URI) : null;
  const direction: MediaDirection =
    info.direction === 'sendrecv' ? 'sendonly' : info.direction === 'recvonly' ? 'inactive' : info.direction;

  let audioLevelExtensionId: number | null = null;
  let transportCcExtensionId: number | null = null;
  const lines: string[] = [];
  for (const line of section) {
    if (line.startsWith('m=')) {
      const [kind, port, proto] = line.slice(2).split(' ');
      const formats = rtxPayloadType === null ? '' : ` ${rtxPayloadType}`;
      const red = redPayloadType === null ? '' : `${redPayloadType} `;
      lines.push(`m=${kind} ${port} ${proto} ${red}${payloadType ?? info.payloadTypes[0] ?? 0}${formats}`);
      continue;
    }
    const perFormat = readFormatAttribute(line);
    if (perFormat) {
      const { key, format, value } = perFormat;
      if (format !== '*' && format !== payloadType && format !== rtxPayloadType && format !== redPayloadType)
        continue;
      // RTX and RED take no feedback of their own (it is about the media they carry).
      if (
        key === 'rtcp-fb' &&
        (format === rtxPayloadType || format === redPayloadType || !ACCEPTED_FEEDBACK.has(value.trim()))
      )
        continue;
      lines.push(line);
      continue;
    }
    const extmap = readExtmap(line);
    if (extmap) {
      if (info.kind === 'audio' && ACCEPTED_EXTENSIONS.has(extmap.uri)) {
        lines.push(line);
        audioLevelExtensionId = extmap.id;
      } else if (extmap.uri === TRANSPORT_CC_URI) {
        lines.push(line);
        transportCcExtensionId = extmap.id;
      } else if (rid !== null && extmap.id === rid.extensionId) lines.push(line);
      else if (repairedRidExtensionId !== null && extmap.id === repairedRidExtensionId) lines.push(line);
      continue;
    }
    const ssrcLine = readSsrcLine(line);
    if (ssrcLine) {
      // libdatachannel routes incoming RTP to the track by these lines: keep every layer's, and with
      // RTX each layer's retransmission SSRC.
      const announced = ssrcLine.ssrc;
      if (kept(announced) || repairSsrcs.some((pair) => pair.rtx === announced)) lines.push(line);
      continue;
    }
    if (
      line.startsWith('a=ssrc-group:') ||
      line.startsWith('a=rtcp-xr:') ||
      line.startsWith('a=rid:') ||
      line.startsWith('a=simulcast:') ||
      line === 'a=extmap-allow-mixed' ||
      line === 'a=sendrecv' ||
      line === 'a=sendonly' ||
      line === 'a=recvonly' ||
      line === 'a=inactive'
    ) {
      continue;
    }
    lines.push(line);
  }
  lines.push(`a=${direction}`);
  const ridExtensionId = rid?.extensionId ?? null;
  return {
    lines,
    media: {
      ...info,
      direction,
      payloadType,
      codec: chosen?.codec ?? null,
      formatParameters: chosen?.formatParameters ?? '',
      ssrc,
      audioLevelExtensionId,
      transportCcExtensionId,
      layerSsrcs,
      layerRids,
      ridExtensionId,
      rtxPayloadType,
      repairSsrcs,
      repairedRidExtensionId,
      redPayloadType,
    },
  };
}

/** The Opus payload type of an audio m-line, or null. */
function opusFormat(
  section: readonly string[],
  offeredTypes: ReadonlySet<number>,
): { payloadType: number; codec: null; formatParameters: string } | null {
  for (const line of section) {
    const rtpmap = readRtpmap(line);
    if (
      rtpmap &&
      rtpmap.encoding.trim().toLowerCase() === 'opus/48000/2' &&
      offeredTypes.has(rtpmap.payloadType)
    )
      return { payloadType: rtpmap.payloadType, codec: null, formatParameters: '' };
  }
  return null;
}

/**
 * The video format the SFU takes from an m-line: the first payload type in the m-line's order (the
 * browser's preference, RFC 3264 §5.1) whose codec the SFU forwards in those parameters; null if none.
 */
function videoFormat(
  section: readonly string[],
  payloadTypes: readonly number[],
): { payloadType: number; codec: VideoCodecName; formatParameters: string } | null {
  const encodings = new Map<number, string>();
  const parameters = new Map<number, string>();
  for (const line of section) {
    const rtpmap = readRtpmap(line);
    // The first line for a payload type counts (a repeated one is malformed; it is dropped anyway).
    if (rtpmap && !encodings.has(rtpmap.payloadType)) encodings.set(rtpmap.payloadType, rtpmap.encoding);
    const fmtp = readFormatAttribute(line);
    if (fmtp?.key === 'fmtp' && fmtp.format !== '*' && !parameters.has(fmtp.format))
      parameters.set(fmtp.format, fmtp.value.trim());
  }
  for (const payloadType of payloadTypes) {
    const encoding = encodings.get(payloadType);
    const codec = encoding === undefined ? undefined : codecOfEncoding(encoding);
    const formatParameters = parameters.get(payloadType) ?? '';
    if (codec?.acceptsParameters(formatParameters))
      return { payloadType, codec: codec.name, formatParameters };
  }
  return null;
}

/**
 * The payload type of RFC 2198 redundant Opus on this m-line: an offered `a=rtpmap:<pt> red/48000/2`
 * whose `a=fmtp:<pt>` names only `opusPayloadType` as its blocks' format (Chromium: `111/111`); null
 * when there is none (the SFU can pass on or take apart only RED of the Opus it forwards).
 */
function redundancyFormat(
  section: readonly string[],
  opusPayloadType: number,
  offeredTypes: ReadonlySet<number>,
): number | null {
  const red = new Set<number>();
  for (const line of section) {
    const rtpmap = readRtpmap(line);
    if (
      rtpmap &&
      rtpmap.payloadType !== opusPayloadType &&
      offeredTypes.has(rtpmap.payloadType) &&
      rtpmap.encoding.trim().toLowerCase() === 'red/48000/2'
    )
      red.add(rtpmap.payloadType);
  }
  if (red.size === 0) return null;
  for (const line of section) {
    const fmtp = readFormatAttribute(line);
    if (fmtp?.key !== 'fmtp' || fmtp.format === '*' || !red.has(fmtp.format)) continue;
    const blocks = fmtp.value.trim().split('/', 9);
    if (
      blocks.length >= 1 &&
      blocks.length <= 8 &&
      blocks.every((block) => block === String(opusPayloadType))
    )
      return fmtp.format;
  }
  return null;
}

/**
 * The payload type of RFC 4588 retransmissions of `payloadType` on this m-line: an offered
 * `a=rtpmap:<pt> rtx/90000` whose `a=fmtp:<pt>` says `apt=<payloadType>`; null when there is none.
 */
function retransmissionFormat(
  section: readonly string[],
  payloadType: number,
  offeredTypes: ReadonlySet<number>,
): number | null {
  const rtx = new Set<number>();
  for (const line of section) {
    const rtpmap = readRtpmap(line);
    if (
      rtpmap &&
      rtpmap.payloadType !== payloadType &&
      offeredTypes.has(rtpmap.payloadType) &&
      rtpmap.encoding.trim().toLowerCase() === 'rtx/90000'
    )
      rtx.add(rtpmap.payloadType);
  }
  if (rtx.size === 0) return null;
  for (const line of section) {
    const fmtp = readFormatAttribute(line);
    if (fmtp?.key !== 'fmtp' || fmtp.format === '*' || !rtx.has(fmtp.format)) continue;
    for (const parameter of fmtp.value.split(';', 8)) {
      const [name = '', value = ''] = parameter.split('=', 2);
      if (name.trim() === 'apt' && value.trim() === String(payloadType)) return fmtp.format;
    }
  }
  return null;
}

/** The RFC 8285 id (1–14, the one-byte form) of the extension `uri` on this m-line, or null. */
function extensionIdOf(section: readonly string[], uri: string): number | null {
  for (const line of section) {
    const extmap = readExtmap(line);
    if (extmap && extmap.uri === uri && extmap.id >= 1 && extmap.id <= 14) return extmap.id;
  }
  return null;
}

/** Most simulcast layers the SFU takes from one m-line (as with SSRC simulcast). */
const MAX_LAYERS = 3;

/**
 * RID simulcast offered on a video m-line (RFC 8853): the RIDs of `a=simulcast:send`, first
 * alternative of each layer, paused (`~`) ones included, at most MAX_LAYERS; and the id of the
 * rtp-stream-id extension that tells the layers' packets apart. Null (one stream is received: the
 * answer then carries no `a=simulcast`, and the browser sends its first encoding only) when the
 * offer lacks the extension or a valid RID, or announces fewer SSRCs than layers: libdatachannel
 * drops packets of SSRCs no description announces when a connection has more than one m-line.
 */
function ridSimulcast(
  section: readonly string[],
  announcedSsrcs: number,
): { rids: string[]; extensionId: number } | null {
  const simulcast = attribute(section, 'simulcast');
  if (simulcast === undefined) return null;
  const [direction = '', list = ''] = simulcast.trim().split(/\s+/);
  if (direction !== 'send') return null;
  const offered = new Set(
    section
      .filter((line) => line.startsWith('a=rid:'))
      .map((line) => line.slice('a=rid:'.length).split(' '))
      .filter(([, ridDirection]) => ridDirection === 'send')
      .map(([rid]) => rid!),
  );
  const rids = list
    .split(';')
    .map((layer) => layer.split(',')[0]!.replace(/^~/, ''))
    .slice(0, MAX_LAYERS);
  if (rids.length < 2 || rids.some((rid) => !RID_PATTERN.test(rid) || !offered.has(rid))) return null;
  if (new Set(rids).size !== rids.length || announcedSsrcs < rids.length) return null;
  let extensionId: number | null = null;
  for (const line of section) {
    const extmap = readExtmap(line);
    if (extmap && extmap.uri === RTP_STREAM_ID_URI) extensionId = extmap.id;
  }
  return extensionId !== null && extensionId >= 1 && extensionId <= 14 ? { rids, extensionId } : null;
}

/**
 * Remove the client's ICE candidates. The SFU has a public address and the client always checks it
 * first; the SFU learns the client's address (or its NAT mapping) from those checks, as peer-reflexive
 * candidates, like an ICE-lite server. Not knowing the client's candidates matters:
 * - libdatachannel could otherwise finish ICE from its side and send its DTLS hello before the client
 *   has the answer; a libdatachannel client then fails the handshake (1 set-up in ~20 measured here);
 * - Chromium's host candidates are mDNS names, for which libdatachannel starts a resolver thread each;
 * - the client need not wait for its ICE gathering before offering, which shortens joining.
 */
export function withoutCandidates(sdp: string): string {
  const doc = parseSdp(sdp);
  const keep = (line: string) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates';
  doc.session = doc.session.filter(keep);
  doc.media = doc.media.map((section) => section.filter(keep));
  return writeSdp(doc);
}

/**
 * Make a description the SFU sends announce exactly one ICE candidate: the host candidate
 * `ip:port` shared by every connection (ICE UDP mux), followed by end-of-candidates. libdatachannel's
 * own candidates (every local interface) are removed; they may be private addresses and are not
 * reachable from outside anyway.
 */
export function announceHostCandidate(sdp: string, ip: string, port: number): string {
  const doc = parseSdp(sdp);
  const addressType = ip.includes(':') ? 'IP6' : 'IP4';
  const isCandidateLine = (line: string) => line.startsWith('a=candidate:') || line === 'a=end-of-candidates';
  doc.session = doc.session
    .filter((line) => !isCandidateLine(line))
    .map((line) => (line.startsWith('a=ice-options:') ? 'a=ice-options:ice2' : line));
  let announced = false;
  doc.media = doc.media.map((section, index) => {
    const lines = section.filter((line) => !isCandidateLine(line));
    if (describeSection(section, index).rejected) return lines;
    const rewritten = lines.map((line) => {
      if (line.startsWith('m=')) {
        const [kind, , ...rest] = line.slice(2).split(' ');
        return `m=${kind} ${port} ${rest.join(' ')}`;
      }
      if (line.startsWith('c=')) return `c=IN ${addressType} ${ip}`;
      return line;
    });
    if (!announced) {
      rewritten.push(`a=candidate:1 1 udp 2130706431 ${ip} ${port} typ host`, 'a=end-of-candidates');
      announced = true;
    }
    return rewritten;
  });
  return writeSdp(doc);
}

/**
 * The SFU never sends on its publish connection: make every audio/video m-line of the answer
 * `recvonly` (or `inactive` when the offer does not send), and drop the `msid` lines libdatachannel
 * copies from the offer (they would announce streams the SFU does not send).
 */
export function receiveOnlyAnswer(
  answerSdp: string,
  offered: readonly PublishOfferMedia[],
  restrictedOffer?: string,
): string {
  const doc = parseSdp(answerSdp);
  const byMid = new Map(offered.map((media) => [media.mid, media]));
  const offeredSections = new Map(
    restrictedOffer === undefined
      ? []
      : parseSdp(restrictedOffer).media.map((section, index) => [
          describeSection(section, index).mid,
          section,
        ]),
  );
  doc.media = doc.media.map((section, index) => {
    const info = describeSection(section, index);
    const offer = byMid.get(info.mid);
    if (!offer || info.rejected) return section;
    const direction = offer.direction === 'sendonly' ? 'recvonly' : 'inactive';
    const lines = section
      .filter((line) => !line.startsWith('a=msid:') && !readSsrcLine(line)?.attribute.startsWith('msid:'))
      .filter((line) => !line.startsWith('a=rid:') && !line.startsWith('a=simulcast:'))
      .map((line) =>
        line === 'a=sendrecv' || line === 'a=sendonly' || line === 'a=recvonly' || line === 'a=inactive'
          ? `a=${direction}`
          : line,
      );
    const offeredSection = offeredSections.get(info.mid);
    if (offeredSection) answerOfferedFormats(lines, offeredSection);
    // RID simulcast is accepted by answering each layer's RID as received (RFC 8853 §5.3).
    if (offer.layerRids.length > 0) {
      lines.push(...offer.layerRids.map((rid) => `a=rid:${rid} recv`));
      lines.push(`a=simulcast:recv ${offer.layerRids.join(';')}`);
    }
    return lines;
  });
  return writeSdp(doc);
}

/**
 * Make an answer's m-line list the formats of the (restricted) offer's, in place. libdatachannel
 * answers a renegotiated m-line with the formats it answered first: after a publisher changes codec
 * (to VP8 when end-to-end encryption starts) its answer would name a payload type the offer no longer
 * has, and the browser would go on sending the old codec. Formats already equal are left alone.
 */
function answerOfferedFormats(lines: string[], offeredSection: readonly string[]): void {
  const formatsOf = (mLine: string | undefined) => mLine?.split(' ').slice(3).join(' ') ?? '';
  const offeredFormats = formatsOf(offeredSection[0]);
  const mLine = lines[0];
  if (mLine === undefined || !mLine.startsWith('m=') || formatsOf(mLine) === offeredFormats) return;
  const isFormatLine = (line: string) =>
    line.startsWith('a=rtpmap:') || line.startsWith('a=fmtp:') || line.startsWith('a=rtcp-fb:');
  const kept = lines.slice(1).filter((line) => !isFormatLine(line));
  const [kind, port, proto] = mLine.slice(2).split(' ');
  lines.splice(
    0,
    lines.length,
    `m=${kind} ${port} ${proto} ${offeredFormats}`,
    ...offeredSection.filter(isFormatLine),
    ...kept,
  );
}

// Privacy: keeps nothing personal (SDP text only).

import { MediaError } from '../api/media-error.js';
import { AUDIO_LEVEL_URI } from '../rtp/audio-level.js';
import { RID_PATTERN, RTP_STREAM_ID_URI } from '../rtp/rtp-stream-id.js';
import { REPAIRED_RTP_STREAM_ID_URI } from '../rtp/rtx.js';
import type { VideoCodecName } from '../rtp/video-codec.js';
import { opusFormat, redundancyFormat, retransmissionFormat, videoFormat } from './publish-formats.js';
import {
  attribute,
  checkSectionCount,
  describeSection,
  MAX_MEDIA_SECTIONS,
  type MediaDirection,
  type MediaSection,
  parseSdp,
  withoutBundleOnly,
  writeSdp,
} from './sdp.js';
import { readExtmap, readFormatAttribute, readSsrcGroup, readSsrcLine } from './sdp-attributes.js';
import { withoutCandidates } from './sdp-candidates.js';
import { TRANSPORT_CC_URI } from './transport-cc.js';

/*
 * A publishing browser's offer, restricted to what the SFU receives and forwards (sdp.ts reads the
 * description; publish-answer.ts makes libdatachannel's answer to it receive-only).
 */

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

// Privacy: keeps nothing personal (SDP text only).

import { codecOfEncoding, type VideoCodecName } from '../rtp/video-codec.js';
import { readFormatAttribute, readRtpmap } from './sdp-attributes.js';

/*
 * Which formats of a publish offer's m-line the SFU takes (publish-offer.ts): the media codec, its
 * RTX (RFC 4588) and Opus RED (RFC 2198).
 */

/** The Opus payload type of an audio m-line, or null. */
export function opusFormat(
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
export function videoFormat(
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
export function redundancyFormat(
  section: readonly string[],
  opusPayloadType: number,
  offeredTypes: ReadonlySet<number>,
): number | null {
  const red = offeredWithEncoding(section, 'red/48000/2', opusPayloadType, offeredTypes);
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
export function retransmissionFormat(
  section: readonly string[],
  payloadType: number,
  offeredTypes: ReadonlySet<number>,
): number | null {
  const rtx = offeredWithEncoding(section, 'rtx/90000', payloadType, offeredTypes);
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

/** The offered payload types other than `except` whose `a=rtpmap` encoding is `encoding` (lower case). */
function offeredWithEncoding(
  section: readonly string[],
  encoding: string,
  except: number,
  offeredTypes: ReadonlySet<number>,
): Set<number> {
  const found = new Set<number>();
  for (const line of section) {
    const rtpmap = readRtpmap(line);
    if (
      rtpmap &&
      rtpmap.payloadType !== except &&
      offeredTypes.has(rtpmap.payloadType) &&
      rtpmap.encoding.trim().toLowerCase() === encoding
    )
      found.add(rtpmap.payloadType);
  }
  return found;
}

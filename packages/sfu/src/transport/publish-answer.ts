// Privacy: keeps nothing personal (SDP text only).

import type { PublishOfferMedia } from './publish-offer.js';
import { describeSection, parseSdp, writeSdp } from './sdp.js';
import { readSsrcLine } from './sdp-attributes.js';

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
    if (info.kind === 'audio') askForMono(lines);
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
 * Opus: answer without `stereo=1`, so the publisher sends mono (RFC 7587 §7.1: `stereo` is what the
 * receiving side prefers; absent means mono). libdatachannel copies the offer's parameters, and Firefox
 * offers `stereo=1`: echoed, its microphone was sent in stereo, ≈ 60 kbit/s on every viewer's downlink
 * instead of ≈ 30. A meeting's microphones are mono; Chromium sends mono already.
 */
function askForMono(lines: string[]): void {
  const answered = lines.flatMap((line) => {
    const space = line.indexOf(' ');
    if (!line.startsWith('a=fmtp:') || space < 0) return [line];
    const parameters = line.slice(space + 1).split(';');
    const kept = parameters.filter((parameter) => parameter.trim().toLowerCase() !== 'stereo=1');
    if (kept.length === parameters.length) return [line];
    return kept.length === 0 ? [] : [`${line.slice(0, space)} ${kept.join(';')}`];
  });
  lines.splice(0, lines.length, ...answered);
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

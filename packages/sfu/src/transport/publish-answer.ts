// Privacy: keeps nothing personal (SDP text only).

import type { PublishOfferMedia } from './publish-offer.js';
import { describeSection, parseSdp, writeSdp } from './sdp.js';
import { readSsrcLine } from './sdp-attributes.js';

/**
 * The SFU never sends on its publish connection: make every audio/video m-line of the answer
 * `recvonly` (or `inactive` when the offer does not send), and drop the `msid` lines libdatachannel
 * copies from the offer (they would announce streams the SFU does not send).
 */
export function receiveOnlyAnswer(answerSdp: string, offered: readonly PublishOfferMedia[]): string {
  const doc = parseSdp(answerSdp);
  const byMid = new Map(offered.map((media) => [media.mid, media]));
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
    // RID simulcast is accepted by answering each layer's RID as received (RFC 8853 §5.3).
    if (offer.layerRids.length > 0) {
      lines.push(...offer.layerRids.map((rid) => `a=rid:${rid} recv`));
      lines.push(`a=simulcast:recv ${offer.layerRids.join(';')}`);
    }
    return lines;
  });
  return writeSdp(doc);
}

import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../api/json-logger.js';
import { type MediaContext, MediaCounters } from '../room/media-context.js';
import { Timers } from '../room/timers.js';
import type { ForwardedPacket } from './forwarded-packet.js';
import { Publication } from './publication.js';
import type { Subscription } from './subscription.js';

const VP8 = 96;
const RTX = 97;
const RID_EXTENSION = 9;
const REPAIRED_RID_EXTENSION = 10;

/** A VP8 packet of `ssrc` (a 5-byte payload starting with `fill`), optionally naming a RID in extension `id`. */
function media(ssrc: number, sequence: number, fill = 0xaa, rid?: { id: number; value: string }): Buffer {
  const extension =
    rid === undefined
      ? []
      : [0xbe, 0xde, 0, 1, (rid.id << 4) | (rid.value.length - 1), ...Buffer.from(rid.value)];
  while (extension.length % 4 !== 0) extension.push(0);
  const header = Buffer.alloc(12);
  header[0] = rid === undefined ? 0x80 : 0x90;
  header[1] = VP8;
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, Buffer.from(extension), Buffer.from([0x10, 0x11, 0x02, 0x00, fill])]);
}

/** RFC 4588: `original` resent on `rtxSsrc` as RTX sequence `sequence` (the OSN opens the payload). */
function rtx(original: Buffer, rtxSsrc: number, sequence: number, rid?: string): Buffer {
  const copy = Buffer.from(original);
  const offset = copy[0]! & 0x10 ? 20 : 12;
  if (rid !== undefined) copy[16] = (REPAIRED_RID_EXTENSION << 4) | (rid.length - 1);
  const packet = Buffer.concat([copy.subarray(0, offset), copy.subarray(2, 4), copy.subarray(offset)]);
  packet[1] = RTX;
  packet.writeUInt16BE(sequence, 2);
  packet.writeUInt32BE(rtxSsrc, 8);
  return packet;
}

/** A padding-only RTX packet (a bandwidth probe). */
function padding(rtxSsrc: number, sequence: number): Buffer {
  const packet = Buffer.alloc(12 + 224);
  packet[0] = 0xa0;
  packet[1] = RTX;
  packet.writeUInt16BE(sequence, 2);
  packet.writeUInt32BE(rtxSsrc, 8);
  packet[packet.length - 1] = 224;
  return packet;
}

interface Forwarded {
  ssrc: number;
  sequence: number;
  layer: number;
  late: boolean;
  payloadType: number;
  fill: number;
}

function setup(layers: 'ssrc' | 'rid' | 'none') {
  const context: MediaContext = {
    options: { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: 0 } as MediaContext['options'],
    timers: new Timers(),
    counters: new MediaCounters(),
    logger: createJsonLogger('silent', () => {}),
  };
  const publication = new Publication('alice', 'camera', '1', layers === 'none' ? 11 : null, VP8, 1, context);
  if (layers === 'ssrc') publication.setLayers([11, 22, 33]);
  if (layers === 'rid') publication.setRidLayers(['l', 'm', 'h'], RID_EXTENSION, [11, 22, 33, 111, 222, 333]);
  const forwarded: Forwarded[] = [];
  const subscription = {
    send: ({ buffer, sequence, layer, late }: ForwardedPacket) =>
      forwarded.push({
        ssrc: buffer.readUInt32BE(8),
        sequence,
        layer,
        late,
        payloadType: buffer[1]! & 0x7f,
        fill: buffer[buffer.length - 1]!,
      }),
  } as unknown as Subscription;
  publication.addSubscription(subscription);
  return { publication, forwarded, counters: context.counters, timers: context.timers };
}

describe('Publication with RTX from the publisher (RFC 4588)', () => {
  it('forwards a retransmission of a missing packet as that packet, late, on its layer', () => {
    const { publication, forwarded, counters, timers } = setup('ssrc');
    publication.setRetransmissions(
      RTX,
      [
        { media: 11, rtx: 111 },
        { media: 22, rtx: 222 },
        { media: 33, rtx: 333 },
      ],
      null,
    );
    for (const sequence of [100, 101, 103]) publication.receive(media(22, sequence));
    publication.receive(rtx(media(22, 102, 0xbb), 222, 7));
    expect(forwarded.at(-1)).toEqual({
      ssrc: 22,
      sequence: 102,
      layer: 1,
      late: true,
      payloadType: 96,
      fill: 0xbb,
    });
    expect(counters.publisherRtxRecovered).toBe(1);
    // The stream goes on from 103: the late packet moved nothing.
    publication.receive(media(22, 104));
    expect(forwarded.at(-1)).toMatchObject({ sequence: 104, late: false });
    timers.cancelAll();
  });

  it('drops copies, numbers ahead of the stream, padding, and RTX of no layer or on a media SSRC', () => {
    const { publication, forwarded, counters, timers } = setup('none');
    publication.setRetransmissions(RTX, [{ media: 11, rtx: 111 }], null);
    for (const sequence of [10, 11, 13]) publication.receive(media(11, sequence));
    const before = forwarded.length;
    publication.receive(rtx(media(11, 11), 111, 1)); // a copy of what arrived (payload padding)
    publication.receive(rtx(media(11, 14), 111, 2)); // ahead: would open a gap for every subscriber
    publication.receive(rtx(media(11, 13 + 300), 111, 3)); // far ahead
    publication.receive(rtx(media(11, 12), 999, 4)); // RTX of no stream
    publication.receive(rtx(media(11, 12), 11, 5)); // the RTX payload type on the media SSRC
    expect(forwarded.length).toBe(before);
    expect(counters.publisherRtxDropped).toBe(5);
    publication.receive(padding(111, 6));
    expect(counters.publisherPaddingDropped).toBe(1);
    // The real retransmission still fills the gap, once.
    publication.receive(rtx(media(11, 12), 111, 7));
    publication.receive(rtx(media(11, 12), 111, 8));
    expect(forwarded.slice(before).map(({ sequence, late }) => ({ sequence, late }))).toEqual([
      { sequence: 12, late: true },
    ]);
    publication.receive(media(11, 14));
    expect(forwarded.at(-1)).toMatchObject({ sequence: 14, late: false });
    timers.cancelAll();
  });

  it('without RTX negotiated, drops every packet of the RTX payload type', () => {
    const { publication, forwarded, counters, timers } = setup('none');
    publication.setRetransmissions(null, [], null);
    for (const sequence of [10, 12]) publication.receive(media(11, sequence));
    publication.receive(rtx(media(11, 11), 111, 1));
    expect(forwarded.map(({ sequence }) => sequence)).toEqual([10, 12]);
    expect(counters.publisherRtxDropped + counters.publisherRtxRecovered).toBe(0);
    timers.cancelAll();
  });

  it('RID simulcast: pairs a learnt layer with its FID partner, or learns the RTX SSRC from the repaired RID', () => {
    const { publication, forwarded, timers } = setup('rid');
    publication.setRetransmissions(RTX, [{ media: 33, rtx: 333 }], REPAIRED_RID_EXTENSION);
    const h = { id: RID_EXTENSION, value: 'h' };
    const l = { id: RID_EXTENSION, value: 'l' };
    for (const sequence of [1, 3]) publication.receive(media(33, sequence, 0xa2, h));
    for (const sequence of [50, 52]) publication.receive(media(11, sequence, 0xa0, l));
    expect(publication.layerSsrcs).toEqual([11, 0, 33]);
    // 333 pairs with 33 by its FID group; 111 has none, its repaired RID names layer l.
    publication.receive(rtx(media(33, 2, 0xa2, h), 333, 1));
    publication.receive(rtx(media(11, 51, 0xa0, l), 111, 1, 'l'));
    expect(forwarded.filter(({ late }) => late)).toEqual([
      { ssrc: 33, sequence: 2, layer: 2, late: true, payloadType: 96, fill: 0xa2 },
      { ssrc: 11, sequence: 51, layer: 0, late: true, payloadType: 96, fill: 0xa0 },
    ]);
    // A second RTX SSRC naming a layer that has one already is refused.
    for (const sequence of [53, 55]) publication.receive(media(11, sequence, 0xa0, l));
    publication.receive(rtx(media(11, 54, 0xa0, l), 444, 2, 'l'));
    expect(forwarded.filter(({ late }) => late)).toHaveLength(2);
    timers.cancelAll();
  });

  it('learns the RTX streams again when a renegotiation pairs them differently', () => {
    const { publication, forwarded, timers } = setup('none');
    publication.setRetransmissions(RTX, [{ media: 11, rtx: 111 }], null);
    for (const sequence of [1, 3]) publication.receive(media(11, sequence));
    publication.receive(rtx(media(11, 2), 111, 1));
    publication.setRetransmissions(RTX, [{ media: 11, rtx: 112 }], null);
    for (const sequence of [4, 6]) publication.receive(media(11, sequence));
    publication.receive(rtx(media(11, 5), 111, 2)); // the old RTX SSRC repairs nothing now
    publication.receive(rtx(media(11, 5), 112, 1));
    expect(forwarded.filter(({ late }) => late).map(({ sequence }) => sequence)).toEqual([2, 5]);
    timers.cancelAll();
  });
});

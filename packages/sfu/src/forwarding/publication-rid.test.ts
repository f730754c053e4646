import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../api/json-logger.js';
import { type MediaContext, MediaCounters } from '../room/media-context.js';
import { Timers } from '../room/timers.js';
import type { ForwardedPacket } from './forwarded-packet.js';
import { Publication } from './publication.js';
import type { Subscription } from './subscription.js';

const VP8 = 120;
const RID_EXTENSION = 9;

/** A VP8 packet of `ssrc` whose rtp-stream-id extension says `rid` (none when null). */
function packet(ssrc: number, sequence: number, rid: string | null): Buffer {
  const extension =
    rid === null ? [] : [0xbe, 0xde, 0, 1, (RID_EXTENSION << 4) | (rid.length - 1), ...Buffer.from(rid)];
  while (extension.length % 4 !== 0) extension.push(0);
  const header = Buffer.alloc(12);
  header[0] = rid === null ? 0x80 : 0x90;
  header[1] = VP8;
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, Buffer.from(extension), Buffer.from([0x10, 0x11, 0x02, 0x00, 0xaa])]);
}

function setup() {
  const context: MediaContext = {
    options: { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: 0 } as MediaContext['options'],
    timers: new Timers(),
    counters: new MediaCounters(),
    logger: createJsonLogger('silent', () => {}),
  };
  const publication = new Publication('alice', 'camera', '1', null, VP8, 1, context);
  publication.setRidLayers(['l', 'm', 'h'], RID_EXTENSION, [11, 22, 33, 44]);
  const forwarded: { ssrc: number; layer: number }[] = [];
  const subscription = {
    send: ({ buffer, layer }: ForwardedPacket) => forwarded.push({ ssrc: buffer.readUInt32BE(8), layer }),
  } as unknown as Subscription;
  publication.addSubscription(subscription);
  return { publication, forwarded, context };
}

describe('Publication with RID simulcast', () => {
  it('learns each layer’s SSRC from the first packet naming its RID, then routes by SSRC', () => {
    const { publication, forwarded } = setup();
    publication.receive(packet(33, 1, 'h'));
    publication.receive(packet(11, 1, 'l'));
    publication.receive(packet(33, 2, null)); // later packets need not carry the RID
    expect(publication.layerSsrcs).toEqual([11, 0, 33]);
    expect(publication.ssrc).toBe(11);
    expect(forwarded.map(({ layer }) => layer)).toEqual([2, 0, 2]);
  });

  it('drops packets of an unknown RID, without the extension, or of a second SSRC under a learnt RID', () => {
    const { publication, forwarded } = setup();
    publication.receive(packet(22, 1, 'x'));
    publication.receive(packet(22, 2, null));
    publication.receive(packet(33, 1, 'h'));
    // A hostile publisher alternating two SSRCs under one RID: the first one keeps the layer.
    for (let i = 0; i < 10; i++) publication.receive(packet(i % 2 === 0 ? 44 : 33, 10 + i, 'h'));
    expect(publication.layerSsrcs).toEqual([0, 0, 33]);
    expect(forwarded.every(({ ssrc }) => ssrc === 33)).toBe(true);
    expect(forwarded).toHaveLength(6);
  });

  it('forgets a learnt SSRC that a renegotiation no longer announces', () => {
    const { publication } = setup();
    publication.receive(packet(33, 1, 'h'));
    publication.setRidLayers(['l', 'm', 'h'], RID_EXTENSION, [11, 22, 33]);
    expect(publication.layerSsrcs).toEqual([0, 0, 33]);
    publication.setRidLayers(['l', 'm', 'h'], RID_EXTENSION, [11, 22, 55]);
    expect(publication.layerSsrcs).toEqual([0, 0, 0]);
    publication.receive(packet(55, 1, 'h'));
    expect(publication.layerSsrcs).toEqual([0, 0, 55]);
  });
});

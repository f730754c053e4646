import type { Track } from 'node-datachannel';
import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../api/json-logger.js';
import { type MediaContext, MediaCounters } from '../room/media-context.js';
import { Timers } from '../room/timers.js';
import { VIDEO_CODEC } from '../rtp/video-codec.js';
import { Publication } from './publication.js';
import { Subscription } from './subscription.js';

const VP9 = 98;

/** A VP9 packet: descriptor I (15-bit picture id), L, B/E, TL0PICIDX; P unless `key`; SS of `layers`. */
function vp9(sequence: number, { key = false, spatial = 0, layers = 0 } = {}): Buffer {
  const flags = 0x80 | (key ? 0 : 0x40) | 0x20 | 0x0c | (layers > 0 ? 0x02 : 0);
  const structure = layers > 0 ? [((layers - 1) << 5) | 0x10] : [];
  for (let layer = 0; layer < layers; layer++) {
    const [width, height] = [160 << layer, 90 << layer];
    structure.push(width >> 8, width & 0xff, height >> 8, height & 0xff);
  }
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = VP9;
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(1000 * sequence, 4);
  header.writeUInt32BE(11, 8);
  const descriptor = [flags, 0x80, sequence & 0xff, spatial << 1, 0, ...structure];
  return Buffer.concat([header, Buffer.from([...descriptor, 0xaa, 0xaa])]);
}

/** `packet` with its payload cut to `length` bytes (a descriptor the SFU cannot read when short). */
const cut = (packet: Buffer, length: number) => packet.subarray(0, 12 + length);

/** A VP9 camera publication with one real subscription on a fake track recording what it sends. */
function setup() {
  const context: MediaContext = {
    options: { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: 0 } as MediaContext['options'],
    timers: new Timers(),
    counters: new MediaCounters(),
    logger: createJsonLogger('silent', () => {}),
  };
  const publication = new Publication('mallory', 'camera', '1', 11, VP9, 1, context, VIDEO_CODEC.vp9);
  const subscription = new Subscription(publication, 'bob', '0', 22, context);
  publication.addSubscription(subscription);
  const sent: Buffer[] = [];
  subscription.attach({
    isOpen: () => true,
    onOpen: () => {},
    onMessage: () => {},
    onClosed: () => {},
    sendMessageBinary: (packet: Buffer) => sent.push(Buffer.from(packet)) > 0,
  } as unknown as Track);
  /** What the subscriber got: its sequence numbers and the publisher's picture ids (third byte). */
  const got = () => sent.map((packet) => ({ sequence: packet.readUInt16BE(2), picture: packet[14] }));
  return { publication, got, counters: context.counters };
}

describe('Publication of VP9 whose payload descriptors cannot be read', () => {
  it('forwards none of them to a subscriber of a stream without layers, closing its sequence over them', () => {
    const { publication, got, counters } = setup();
    // One spatial layer (Firefox's VP9, or a publisher that announced one to turn SVC off).
    publication.receive(vp9(100, { key: true, layers: 1 }));
    expect(publication.svcHeights).toEqual([]);
    let sequence = 101;
    for (let length = 0; length < 5; length++) publication.receive(cut(vp9(sequence++), length));
    publication.receive(cut(vp9(sequence++, { key: true, layers: 3 }), 7)); // its SS cut off
    publication.receive(vp9(sequence++));
    expect(got()).toEqual([
      { sequence: expect.any(Number), picture: 100 },
      { sequence: (got()[0]!.sequence + 1) & 0xffff, picture: 107 },
    ]);
    expect(counters.videoUnreadable).toBe(6);
    // The layer structure is the key picture's that could be read: still none.
    expect(publication.svcHeights).toEqual([]);
  });

  it('forwards no late copy of one either, and readable packets late as before', () => {
    const { publication, got, counters } = setup();
    publication.receive(vp9(200, { key: true }));
    publication.receive(vp9(203));
    // 201 and 202 arrive late (the publisher's retransmissions): 201 cut short, 202 whole.
    publication.receive(cut(vp9(201), 2));
    publication.receive(vp9(202));
    expect(got().map(({ picture }) => picture)).toEqual([200, 203, 202]);
    expect(got()[2]!.sequence).toBe((got()[0]!.sequence + 2) & 0xffff);
    expect(counters.videoUnreadable).toBe(1);
  });

  it('drops them for an SVC subscriber as before', () => {
    const { publication, got, counters } = setup();
    publication.receive(vp9(300, { key: true, layers: 3 }));
    expect(publication.svcHeights).toEqual([90, 180, 360]);
    publication.receive(cut(vp9(301, { spatial: 1 }), 3));
    publication.receive(vp9(302, { spatial: 1 }));
    expect(got().map(({ picture }) => picture)).toEqual([300 & 0xff, 302 & 0xff]);
    expect(counters.videoUnreadable).toBe(1);
  });
});

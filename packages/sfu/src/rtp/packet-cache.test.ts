import { describe, expect, it } from 'vitest';
import { PacketCache } from './packet-cache.js';

function rtp(sequence: number, size = 100, fill = sequence & 0xff): Buffer {
  const buf = Buffer.alloc(size, fill);
  buf[0] = 0x80;
  buf[1] = 96;
  buf.writeUInt16BE(sequence & 0xffff, 2);
  return buf;
}

describe('PacketCache', () => {
  it('returns a copy of a stored packet by sequence number', () => {
    const cache = new PacketCache(8);
    const original = rtp(1000, 200);
    cache.store(original);
    original.fill(0); // the cache must have copied
    const cached = cache.get(1000)!;
    expect(cached.length).toBe(200);
    expect(cached.readUInt16BE(2)).toBe(1000);
    expect(cached[150]).toBe(1000 & 0xff);
    expect(cache.get(1001)).toBeUndefined();
  });

  it('forgets packets older than its capacity', () => {
    const cache = new PacketCache(8);
    for (let seq = 0; seq < 20; seq++) cache.store(rtp(seq));
    expect(cache.get(11)).toBeUndefined();
    expect(cache.get(12)?.readUInt16BE(2)).toBe(12);
    expect(cache.get(19)?.readUInt16BE(2)).toBe(19);
  });

  it('keeps working across the 16-bit sequence wrap', () => {
    const cache = new PacketCache(16);
    for (let seq = 65530; seq < 65546; seq++) cache.store(rtp(seq));
    expect(cache.get(65535)?.readUInt16BE(2)).toBe(65535);
    expect(cache.get(0)?.readUInt16BE(2)).toBe(0);
    expect(cache.get(9)?.readUInt16BE(2)).toBe(9);
  });

  it('does not cache packets larger than a slot or shorter than an RTP header', () => {
    const cache = new PacketCache(4);
    cache.store(rtp(5, PacketCache.SLOT_SIZE + 1));
    cache.store(rtp(6, 8));
    expect(cache.get(5)).toBeUndefined();
    expect(cache.get(6)).toBeUndefined();
  });

  it('only accepts a power-of-two capacity', () => {
    expect(() => new PacketCache(500)).toThrow(RangeError);
    expect(() => new PacketCache(0)).toThrow(RangeError);
  });
});

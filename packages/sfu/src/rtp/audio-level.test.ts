import { describe, expect, it } from 'vitest';
import { readAudioLevel } from './audio-level.js';

function packetWith(extension: number[], extensionWords: number): Buffer {
  const packet = Buffer.alloc(12 + 4 + extensionWords * 4 + 10);
  packet[0] = 0x90;
  packet[1] = 111;
  packet.writeUInt16BE(0xbede, 12);
  packet.writeUInt16BE(extensionWords, 14);
  Buffer.from(extension).copy(packet, 16);
  return packet;
}

describe('readAudioLevel', () => {
  it('reads the level under the negotiated id, skipping other elements and padding', () => {
    // id 3 (2 bytes), padding, id 1 (1 byte) level 42 with the voice bit.
    const packet = packetWith([0x31, 0xaa, 0xbb, 0x00, 0x10, 0x80 | 42, 0, 0], 2);
    expect(readAudioLevel(packet, 1)).toBe(42);
    expect(readAudioLevel(packet, 3)).toBe(0xaa & 0x7f);
  });

  it('returns -1 without the extension bit, another id, or a truncated block', () => {
    const packet = packetWith([0x10, 30, 0, 0], 1);
    expect(readAudioLevel(packet, 2)).toBe(-1);
    const noExtension = Buffer.from(packet);
    noExtension[0] = 0x80;
    expect(readAudioLevel(noExtension, 1)).toBe(-1);
    expect(readAudioLevel(packetWith([0x10, 30, 0, 0], 40).subarray(0, 30), 1)).toBe(-1);
  });
});

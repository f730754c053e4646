import { describe, expect, it } from 'vitest';
import { readRtpStreamId } from './rtp-stream-id.js';

/** An RTP header with the given one-byte extension elements ([id, bytes]) and a payload byte. */
function packet(elements: [number, number[]][], words?: number): Buffer {
  const body = elements.flatMap(([id, bytes]) => [(id << 4) | (bytes.length - 1), ...bytes]);
  while (body.length % 4 !== 0) body.push(0);
  const length = words ?? body.length / 4;
  return Buffer.from([0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, length, ...body, 0xaa]);
}
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

describe('readRtpStreamId', () => {
  it('reads the RID under its id, beside other extensions', () => {
    expect(
      readRtpStreamId(
        packet([
          [3, [1]],
          [9, ascii('h')],
        ]),
        9,
      ),
    ).toBe('h');
    expect(readRtpStreamId(packet([[9, ascii('low-1_x')]]), 9)).toBe('low-1_x');
  });

  it('returns null without the extension, for another id, or a packet without extensions', () => {
    expect(readRtpStreamId(packet([[3, [1]]]), 9)).toBeNull();
    expect(readRtpStreamId(Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xaa]), 9)).toBeNull();
  });

  it('refuses what a hostile publisher could send: lengths past the packet, non-token RIDs', () => {
    expect(readRtpStreamId(packet([[9, ascii('h')]], 200), 9)).toBeNull();
    expect(readRtpStreamId(packet([[9, ascii('a b')]]), 9)).toBeNull();
    expect(readRtpStreamId(packet([[9, [0xff]]]), 9)).toBeNull();
    expect(readRtpStreamId(Buffer.from([0x90, 96, 0, 1]), 9)).toBeNull();
  });
});

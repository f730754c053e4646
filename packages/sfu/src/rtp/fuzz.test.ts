import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../api/media-error.js';
import { MAX_NACK_SEQUENCES, MAX_RTCP_MESSAGES } from '../forwarding/budgets.js';
import { GapTracker, MAX_MISSING } from '../forwarding/gap-tracker.js';
import { receiveOnlyAnswer } from '../transport/publish-answer.js';
import { restrictPublishOffer } from '../transport/publish-offer.js';
import { describeMedia, MAX_MEDIA_SECTIONS, parseSdp } from '../transport/sdp.js';
import { readExtmap, readFormatAttribute, readSsrcGroup, readSsrcLine } from '../transport/sdp-attributes.js';
import { announceHostCandidate, withoutCandidates } from '../transport/sdp-candidates.js';
import { readAudioLevel } from './audio-level.js';
import { buildNack, buildSenderReport, parseRtcp } from './rtcp.js';
import {
  isRtcp,
  isRtp,
  isVp8KeyframeStart,
  locateVp8Descriptor,
  readVp8PictureId,
  rtpPayloadOffset,
  vp8KeyframeHeight,
  writeVp8PictureId,
} from './rtp.js';

/**
 * Property-based fuzzing (fast-check) of every parser the SFU runs on what participants send: SDP,
 * RTP headers, the VP8 payload descriptor, the audio-level extension, RTCP. Arbitrary input and
 * mutations of valid input must never throw (SDP: only a MediaError), never hang, and give results
 * within the input's bounds. Sized to run in a few seconds inside `npm test`.
 */
const RUNS = { numRuns: 400 };

const offer = readFileSync(
  new URL('../transport/testdata/chromium-publish-offer.sdp', import.meta.url),
  'utf8',
);
const offerLines = offer.split('\r\n').filter((line) => line !== '');

/** Valid RTP packets like browsers send: Opus with the audio level, VP8 with and without a picture id. */
const validRtp = fc.oneof(
  fc
    .record({ level: fc.integer({ min: 0, max: 127 }), size: fc.integer({ min: 1, max: 200 }) })
    .map(({ level, size }) => {
      const packet = Buffer.alloc(12 + 8 + size, 0x5a);
      packet[0] = 0x90;
      packet[1] = 111;
      packet.writeUInt16BE(0xbede, 12);
      packet.writeUInt16BE(1, 14);
      packet[16] = 0x10;
      packet[17] = 0x80 | level;
      packet[18] = 0;
      packet[19] = 0;
      return packet;
    }),
  fc
    .record({ keyframe: fc.boolean(), pictureId: fc.boolean(), size: fc.integer({ min: 0, max: 1200 }) })
    .map(({ keyframe, pictureId, size }) => {
      const header = pictureId ? [0x90, 0x80, 0x81, 0x23] : [0x10];
      const tag = keyframe
        ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]
        : [0x11, 0x02, 0x00];
      const packet = Buffer.concat([
        Buffer.alloc(12),
        Buffer.from(header),
        Buffer.from(tag),
        Buffer.alloc(size, 0xa5),
      ]);
      packet[0] = 0x80;
      packet[1] = 96;
      return packet;
    }),
);

/** A valid packet with some bytes overwritten, cut short or extended. */
const mutated = (valid: fc.Arbitrary<Buffer>) =>
  fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat({ max: 1500 }),
    )
    .map(([packet, changes, cut]) => {
      const copy = Buffer.from(packet);
      for (const [at, value] of changes) copy[at % copy.length] = value;
      return cut % 3 === 0 ? copy.subarray(0, cut % (copy.length + 1)) : copy;
    });

const anyBytes = fc.uint8Array({ maxLength: 1500 }).map((bytes) => Buffer.from(bytes));
const packets = fc.oneof(anyBytes, mutated(validRtp));

describe('fuzzing the RTP readers', () => {
  it('header, VP8 descriptor and key frame readers stay inside the packet and never throw', () => {
    fc.assert(
      fc.property(packets, (packet) => {
        isRtcp(packet);
        isRtp(packet);
        const payload = rtpPayloadOffset(packet);
        expect(payload === -1 || (payload >= 12 && payload <= packet.length)).toBe(true);
        expect(typeof isVp8KeyframeStart(packet)).toBe('boolean');
        const height = vp8KeyframeHeight(packet);
        expect(height >= 0 && height < 1 << 14).toBe(true);
        const descriptor = new Int32Array(2);
        locateVp8Descriptor(packet, descriptor);
        const [pictureAt, tl0At] = descriptor as unknown as [number, number];
        if (pictureAt >= 0) {
          expect(pictureAt + (packet[pictureAt]! & 0x80 ? 2 : 1)).toBeLessThanOrEqual(packet.length);
          const length = packet.length;
          const id = readVp8PictureId(packet, pictureAt);
          expect(id >= 0 && id < 0x8000).toBe(true);
          writeVp8PictureId(packet, pictureAt, (id + 1) & 0x7fff);
          expect(packet.length).toBe(length);
        }
        expect(tl0At === -1 || (tl0At >= 12 && tl0At < packet.length)).toBe(true);
      }),
      RUNS,
    );
  });

  it('the audio level is -1 or 0…127 for any packet and any extension id', () => {
    fc.assert(
      fc.property(packets, fc.integer({ min: 1, max: 14 }), (packet, id) => {
        const level = readAudioLevel(packet, id);
        expect(level === -1 || (level >= 0 && level <= 127)).toBe(true);
      }),
      RUNS,
    );
  });

  it('the sequence-gap tracker stays bounded whatever numbers arrive', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 }), (sequences) => {
        const gaps = new GapTracker();
        let now = 0;
        for (const sequence of sequences) {
          gaps.received(sequence, () => now);
          now += 5;
          expect(gaps.outstanding).toBeLessThanOrEqual(MAX_MISSING);
        }
        const due: number[] = [];
        gaps.collectDue(now, due);
        expect(due.length).toBeLessThanOrEqual(MAX_MISSING);
      }),
      { numRuns: 200 },
    );
  });
});

/** Valid compounds: Sender Reports and NACKs of arbitrary lists. */
const validRtcp = fc
  .array(
    fc.oneof(
      fc.integer({ min: 1, max: 0xffffffff }).map((ssrc) => buildSenderReport(ssrc, 1, 2, 3)),
      fc
        .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 40 })
        .map((lost) => buildNack(1, 2, lost)),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => Buffer.concat(parts));

describe('fuzzing the RTCP parser', () => {
  it('returns few messages with in-bounds fields for any bytes, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anyBytes, mutated(validRtcp)), (packet) => {
        const messages = parseRtcp(packet);
        expect(messages.length).toBeLessThanOrEqual(MAX_RTCP_MESSAGES);
        for (const message of messages) {
          if (message.type === 'nack') {
            expect(message.lost.length).toBeLessThanOrEqual(MAX_NACK_SEQUENCES);
            for (const sequence of message.lost) expect(sequence >= 0 && sequence <= 0xffff).toBe(true);
          }
          if (message.type === 'sender-report') {
            expect(message.offset + message.length).toBeLessThanOrEqual(packet.length);
            expect(message.length).toBeGreaterThanOrEqual(28);
          }
          if (message.type === 'remb') expect(message.ssrcs.length).toBeLessThanOrEqual(255);
        }
      }),
      RUNS,
    );
  });

  it('reads back every NACKed number of a NACK it built', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 30 }), (lost) => {
        const [message] = parseRtcp(buildNack(7, 8, lost));
        expect(message?.type).toBe('nack');
        if (message?.type === 'nack') expect(new Set(message.lost)).toEqual(new Set(lost));
      }),
      { numRuns: 200 },
    );
  });
});

/** An SDP line: a Chromium line, a line with its characters changed, or random text. */
const sdpLine = fc.oneof(
  fc.constantFrom(...offerLines),
  fc
    .tuple(fc.constantFrom(...offerLines), fc.nat(), fc.string({ maxLength: 4 }))
    .map(
      ([line, at, text]) =>
        line.slice(0, at % (line.length + 1)) + text + line.slice((at % (line.length + 1)) + 1),
    ),
  fc
    .tuple(
      fc.constantFrom(
        'a=extmap:',
        'a=ssrc:',
        'a=ssrc-group:',
        'a=rtpmap:',
        'a=fmtp:',
        'a=rtcp-fb:',
        'a=mid:',
        'm=',
      ),
      fc.string({ unit: fc.constantFrom('1', ' ', '*', 'x', '/', ':', '\t'), maxLength: 40 }),
    )
    .map(([prefix, rest]) => prefix + rest),
  fc.string({ maxLength: 60 }),
);

/** Mostly the Chromium offer with lines replaced, dropped or added. */
const sdpText = fc.oneof(
  fc.array(sdpLine, { maxLength: 60 }).map((lines) => ['v=0', ...lines].join('\r\n')),
  fc.array(fc.tuple(fc.nat(), fc.option(sdpLine)), { maxLength: 6 }).map((changes) => {
    const lines = [...offerLines];
    for (const [at, line] of changes) {
      if (line === null) lines.splice(at % lines.length, 1);
      else lines.splice(at % lines.length, 0, line);
    }
    return lines.join('\r\n');
  }),
  fc.string({ maxLength: 300 }),
);

/** Run a parser: it may refuse the description (MediaError), nothing else. */
function refusesOrParses<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof MediaError)) throw error;
    return undefined;
  }
}

describe('fuzzing the SDP parsers', () => {
  it('every SDP function either parses or refuses with a MediaError', () => {
    const published = restrictPublishOffer(offer).media;
    fc.assert(
      fc.property(sdpText, (sdp) => {
        refusesOrParses(() => parseSdp(sdp));
        const media = refusesOrParses(() => describeMedia(sdp, MAX_MEDIA_SECTIONS));
        if (media) expect(media.length).toBeLessThanOrEqual(MAX_MEDIA_SECTIONS);
        const restricted = refusesOrParses(() => restrictPublishOffer(sdp));
        for (const line of restricted?.media ?? []) {
          expect(line.layerSsrcs.length).toBeLessThanOrEqual(3);
          if (line.audioLevelExtensionId !== null)
            expect(Number.isFinite(line.audioLevelExtensionId)).toBe(true);
        }
        refusesOrParses(() => withoutCandidates(sdp));
        refusesOrParses(() => announceHostCandidate(sdp, '192.0.2.1', 40000));
        refusesOrParses(() => receiveOnlyAnswer(sdp, published));
      }),
      { numRuns: 300 },
    );
  });

  it('the attribute readers accept what a regular expression of the grammar accepts, and nothing else', () => {
    fc.assert(
      fc.property(sdpLine, (line) => {
        // Reference grammars, safe here: the fuzzed lines are short.
        const extmap = /^a=extmap:(\d+)\S* (\S+)/.exec(line);
        expect(readExtmap(line)?.uri ?? null).toBe(extmap ? extmap[2] : null);
        const ssrc = /^a=ssrc:(\d+) /.exec(line);
        expect(readSsrcLine(line)?.ssrc ?? null).toBe(ssrc ? Number(ssrc[1]) : null);
        const perFormat = /^a=(rtpmap|fmtp|rtcp-fb):(\*|\d+)(?: (.*))?$/s.exec(line);
        expect(readFormatAttribute(line)?.key ?? null).toBe(perFormat ? perFormat[1] : null);
        const group = readSsrcGroup(line);
        if (group) expect(group.ssrcs.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});

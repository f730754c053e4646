import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MediaSectionSlots } from './media-section-slots.js';
import { receiveOnlyAnswer } from './publish-answer.js';
import { restrictPublishOffer } from './publish-offer.js';
import { describeMedia, MAX_MEDIA_SECTIONS, MAX_SDP_LENGTH, parseSdp } from './sdp.js';
import { announceHostCandidate, withoutCandidates } from './sdp-candidates.js';

/**
 * Every SDP parser of the SFU against lines made to make a backtracking regular expression explode
 * (issue 13: `a=extmap:` and 100,000 digits cost the old parser about half a minute). Each crafted
 * offer is as large as the signaling protocol allows; its parse time is compared with that of a benign
 * offer of the same size, parsed in the same run.
 */
const offer = readFileSync(new URL('./testdata/chromium-publish-offer.sdp', import.meta.url), 'utf8');
const answer = readFileSync(
  new URL('./testdata/chromium-subscriber-answer-removed.sdp', import.meta.url),
  'utf8',
);

/** The Chromium offer with `line` added to its audio m-line, filled up to MAX_SDP_LENGTH. */
function offerWith(make: (room: number) => string): string {
  const at = offer.indexOf('a=mid:0\r\n');
  const room = MAX_SDP_LENGTH - offer.length - 2;
  const line = make(room).slice(0, room);
  return `${offer.slice(0, at)}${line}\r\n${offer.slice(at)}`;
}

const digits = (n: number) => '9'.repeat(n);
const spaces = (n: number) => ' '.repeat(n);

const HOSTILE: Record<string, string> = {
  'extmap id of 100,000 digits': offerWith((n) => `a=extmap:${digits(n)}`),
  'extmap id of digits then no space': offerWith((n) => `a=extmap:1${'x'.repeat(n)}`),
  'extmap id then a run of spaces': offerWith((n) => `a=extmap:1${spaces(n)}`),
  'extmap digits and a space at the end': offerWith((n) => `a=extmap:${digits(n - 12)} `),
  'ssrc of 100,000 digits': offerWith((n) => `a=ssrc:${digits(n)}`),
  'rtpmap payload type of digits': offerWith((n) => `a=rtpmap:${digits(n)}`),
  'rtpmap with spaces only': offerWith((n) => `a=rtpmap:111${spaces(n)}`),
  'fmtp digits then garbage': offerWith((n) => `a=fmtp:${digits(n - 1)}x`),
  'rtcp-fb star then spaces': offerWith((n) => `a=rtcp-fb:*${spaces(n)}`),
  'ssrc-group of spaces': offerWith((n) => `a=ssrc-group:SIM${spaces(n)}`),
  'ssrc-group semantics of 100,000 characters': offerWith((n) => `a=ssrc-group:${'S'.repeat(n)}`),
  'ssrc-group listing 20,000 ssrcs': offerWith((n) => `a=ssrc-group:FID${' 12345'.repeat(n / 6)}`),
  'thousands of ssrc lines': offerWith((n) =>
    Array.from({ length: n / 16 }, (_, i) => `a=ssrc:${i} x`).join('\r\n'),
  ),
  'thousands of formats and rtpmaps': offerWith(
    (n) => `${Array.from({ length: n / 30 }, (_, i) => `a=rtpmap:${i} x/1`).join('\r\n')}`,
  ),
  'a mid of 100,000 characters': offerWith((n) => `a=mid:${'m'.repeat(n)}`),
  'candidate lines of spaces': offerWith((n) => `a=candidate:${spaces(n)}`),
  'carriage returns without line feeds': offerWith((n) => '\r'.repeat(n)),
  'empty lines': offerWith((n) => '\r\n'.repeat(n / 2)),
  'm-line with 50,000 formats': `${offer.replace(
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    `m=audio 9 UDP/TLS/RTP/SAVPF 111${' 1'.repeat((MAX_SDP_LENGTH - offer.length) / 2 - 2)}`,
  )}`,
  'too many m-lines': `v=0\r\n${Array.from({ length: 6000 }, (_, i) => `m=audio 9 X 111\r\na=mid:${i}`)
    .join('\r\n')
    .slice(0, MAX_SDP_LENGTH - 10)}\r\n`,
};

/** A benign offer of the same size: many short attribute lines no parser looks into. */
const BENIGN = offerWith((n) => 'a=x-benign:0123456789\r\n'.repeat(n / 23).trimEnd());

const PARSERS: Record<string, (sdp: string) => unknown> = {
  parseSdp,
  describeMedia: (sdp) => describeMedia(sdp, MAX_MEDIA_SECTIONS),
  restrictPublishOffer,
  withoutCandidates,
  announceHostCandidate: (sdp) => announceHostCandidate(sdp, '192.0.2.1', 40000),
  receiveOnlyAnswer: (sdp) => receiveOnlyAnswer(sdp, restrictPublishOffer(offer).media),
  'MediaSectionSlots.toBrowser': (sdp) => new MediaSectionSlots().toBrowser(sdp),
  'MediaSectionSlots.toLibdatachannel': (sdp) => {
    const slots = new MediaSectionSlots();
    slots.toBrowser(answer);
    return slots.toLibdatachannel(sdp);
  },
};

/**
 * Shortest time of three runs of `parse(sdp)` in ms (a MediaError is an answer too): on a shared,
 * loaded machine one run can stall; a quadratic parse is slow every time.
 */
function timeOf(parse: (sdp: string) => unknown, sdp: string): number {
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    try {
      parse(sdp);
    } catch (error) {
      if ((error as Error).name !== 'MediaError') throw error;
    }
    times.push(performance.now() - start);
  }
  return Math.min(...times);
}

describe('SDP parsers against hostile offers of the largest allowed size', () => {
  it('every crafted offer stays at most the protocol cap', () => {
    for (const [name, sdp] of Object.entries(HOSTILE))
      expect(sdp.length, name).toBeLessThanOrEqual(MAX_SDP_LENGTH);
  });

  for (const [parserName, parse] of Object.entries(PARSERS)) {
    it(`${parserName} parses each in time linear in its size`, () => {
      const benign = timeOf(parse, BENIGN);
      // Generous for a loaded 2-core machine; the quadratic parser took seconds here, not milliseconds.
      const limit = Math.max(50, 20 * benign);
      const slow: string[] = [];
      for (const [name, sdp] of Object.entries(HOSTILE)) {
        const elapsed = timeOf(parse, sdp);
        if (elapsed > limit) slow.push(`${name}: ${elapsed.toFixed(1)} ms (benign ${benign.toFixed(1)} ms)`);
      }
      expect(slow).toEqual([]);
    });
  }

  it('refuses a description beyond the size cap before looking at it', () => {
    expect(() => parseSdp(`v=0\r\n${'a=x\r\n'.repeat(MAX_SDP_LENGTH / 5)}`)).toThrow(/longer than/);
    expect(() => parseSdp(`v=0\r\n${'a\n'.repeat(20_000)}`)).toThrow(/more than 10000 lines/);
  });

  it('refuses an m-line with too many formats or SSRCs, and too many m-lines', () => {
    const formats = offer.replace('SAVPF 111', `SAVPF 111${' 1'.repeat(200)}`);
    expect(() => describeMedia(formats)).toThrow(/more than 128 formats/);
    const ssrcs = offer.replace(
      'a=mid:0\r\n',
      `a=mid:0\r\n${Array.from({ length: 40 }, (_, i) => `a=ssrc:${i} x`).join('\r\n')}\r\n`,
    );
    expect(() => restrictPublishOffer(ssrcs)).toThrow(/more than 32 SSRCs/);
    expect(() => parseSdp(`v=0\r\n${'m=audio 9 X 0\r\n'.repeat(1001)}`)).toThrow(/more than 1000 m-lines/);
  });

  it('still reads an extmap with a direction and extension attributes', () => {
    const withDirection = offer.replace(
      'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      'a=extmap:5/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on',
    );
    expect(restrictPublishOffer(withDirection).media[0]!.audioLevelExtensionId).toBe(5);
  });
});

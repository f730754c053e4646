import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MediaSectionSlots } from './media-section-slots.js';
import { describeMedia, parseSdp } from './sdp.js';

/** Chromium 156's answer to an offer removing mids 1 and 2 (it says a=setup:active on them). */
const chromiumAnswerRemovingTracks = readFileSync(
  new URL('./testdata/chromium-subscriber-answer-removed.sdp', import.meta.url),
  'utf8',
);

/** A libdatachannel-style offer: the data channel, then the given m-lines ([mid, kind, removed]). */
function offer(lines: [string, 'audio' | 'video', boolean?][]): string {
  const sections = lines.map(([mid, kind, removed]) =>
    [
      `m=${kind} ${removed ? 0 : 9} UDP/TLS/RTP/SAVPF ${kind === 'audio' ? 111 : 96}`,
      'c=IN IP4 0.0.0.0',
      `a=mid:${mid}`,
      'a=sendonly',
      `a=ssrc:${1000 + Number(mid)} cname:p`,
      'a=setup:actpass',
    ].join('\r\n'),
  );
  const live = lines.filter(([, , removed]) => !removed).map(([mid]) => mid);
  return [
    'v=0',
    'o=rtc 1 0 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE 0 ${live.join(' ')}`,
    `a=group:LS ${live.join(' ')}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'a=mid:0',
    'a=setup:actpass',
    ...sections,
    '',
  ].join('\r\n');
}

/** What a browser answers: the same m-lines in the same order, recvonly, removed ones port 0. */
function answer(offerSdp: string): string {
  const doc = parseSdp(offerSdp);
  const media = doc.media.map((section) =>
    section
      .filter((l) => !l.startsWith('a=ssrc'))
      .map((l) => (l === 'a=sendonly' ? 'a=recvonly' : l === 'a=setup:actpass' ? 'a=setup:passive' : l)),
  );
  return [
    'v=0',
    'o=- 2 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    ...doc.session.filter((l) => l.startsWith('a=group:BUNDLE')),
    ...media.flat(),
    '',
  ].join('\r\n');
}

const layout = (sdp: string) => describeMedia(sdp).map((m) => `${m.mid}${m.rejected ? '-' : ''}`);
const bundle = (sdp: string) => /a=group:BUNDLE(.*)/.exec(sdp)![1]!.trim();

describe('MediaSectionSlots', () => {
  it('passes new m-lines through and drops libdatachannel’s lip-sync group', () => {
    const slots = new MediaSectionSlots();
    const browserOffer = slots.toBrowser(
      offer([
        ['1', 'audio'],
        ['2', 'video'],
      ]),
    );
    expect(layout(browserOffer)).toEqual(['0', '1', '2']);
    expect(bundle(browserOffer)).toBe('0 1 2');
    expect(browserOffer).not.toContain('a=group:LS');
    const back = slots.toLibdatachannel(answer(browserOffer));
    expect(layout(back)).toEqual(['0', '1', '2']);
  });

  it('shows removed m-lines compact, hides them from libdatachannel once the browser answered, then recycles them', () => {
    const slots = new MediaSectionSlots();
    slots.toLibdatachannel(
      answer(
        slots.toBrowser(
          offer([
            ['1', 'audio'],
            ['2', 'video'],
          ]),
        ),
      ),
    );
    slots.answered();

    // libdatachannel removes 1 and 2 (port 0, still with all their lines).
    const removal = slots.toBrowser(
      offer([
        ['1', 'audio', true],
        ['2', 'video', true],
      ]),
    );
    expect(layout(removal)).toEqual(['0', '1-', '2-']);
    expect(parseSdp(removal).media[2]).toEqual([
      'm=video 0 UDP/TLS/RTP/SAVPF 96',
      'c=IN IP4 0.0.0.0',
      'a=mid:2',
      'a=inactive',
      'a=rtpmap:96 VP8/90000',
    ]);
    expect(bundle(removal)).toBe('0');

    // Chromium's real answer: removed m-lines with a=setup:active, which libdatachannel must not see.
    const back = slots.toLibdatachannel(chromiumAnswerRemovingTracks);
    expect(layout(back)).toEqual(['0']);
    expect(back).not.toContain('a=setup:active');
    expect(bundle(back)).toBe('0');
    slots.answered();

    // New m-lines take the dead positions, kind by kind; libdatachannel no longer lists the dead ones.
    const next = slots.toBrowser(
      offer([
        ['4', 'video'],
        ['3', 'audio'],
        ['5', 'video'],
      ]),
    );
    expect(layout(next)).toEqual(['0', '3', '4', '5']);
    expect(bundle(next)).toBe('0 3 4 5');
    expect(slots.size).toBe(4);
    // The answer goes back in libdatachannel's order.
    expect(layout(slots.toLibdatachannel(answer(next)))).toEqual(['0', '4', '3', '5']);
  });

  it('does not recycle a position whose removal the browser has not answered yet', () => {
    const slots = new MediaSectionSlots();
    slots.toLibdatachannel(answer(slots.toBrowser(offer([['1', 'audio']]))));
    slots.answered();
    const sdp = slots.toBrowser(
      offer([
        ['1', 'audio', true],
        ['2', 'audio'],
      ]),
    );
    expect(layout(sdp)).toEqual(['0', '1-', '2']);
  });

  it('refuses an answer that lacks an offered m-line', () => {
    const slots = new MediaSectionSlots();
    slots.toBrowser(
      offer([
        ['1', 'audio'],
        ['2', 'video'],
      ]),
    );
    const partial = ['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:0', ''].join('\r\n');
    expect(() => slots.toLibdatachannel(partial)).toThrow(/no m-line with mid "1"/);
  });
});

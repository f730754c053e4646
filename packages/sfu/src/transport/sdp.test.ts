import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../api/media-error.js';
import { receiveOnlyAnswer } from './publish-answer.js';
import { restrictPublishOffer } from './publish-offer.js';
import { describeMedia, normalizeBrowserAnswer, parseSdp } from './sdp.js';
import { announceHostCandidate, withoutCandidates } from './sdp-candidates.js';

/** Captured from Chromium 156: sendonly microphone + camera; a data channel only. */
const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const chromiumPublishOffer = fixture('chromium-publish-offer.sdp');
const chromiumSubscribeOffer = fixture('chromium-subscribe-offer.sdp');

const sectionOf = (sdp: string, mid: string) => parseSdp(sdp).media.find((s) => s.includes(`a=mid:${mid}`))!;

describe('describeMedia', () => {
  it('lists the m-lines of a Chromium offer with mid, kind, direction and SSRCs', () => {
    const media = describeMedia(chromiumPublishOffer);
    expect(media.map(({ mid, kind, direction, rejected }) => ({ mid, kind, direction, rejected }))).toEqual([
      { mid: '0', kind: 'audio', direction: 'sendonly', rejected: false },
      { mid: '1', kind: 'video', direction: 'sendonly', rejected: false },
    ]);
    expect(media[0]!.ssrcs).toEqual([765441212]);
    expect(media[1]!.ssrcs).toEqual([702037544, 4134358755]);
    expect(media[1]!.payloadTypes).toContain(96);
  });

  it('refuses more m-lines than allowed', () => {
    const many = `v=0\r\n${Array.from({ length: 5 }, (_, i) => `m=audio 9 X 111\r\na=mid:${i}\r\n`).join('')}`;
    expect(describeMedia(many)).toHaveLength(5);
    expect(() => describeMedia(many, 4)).toThrow(/more than 4 m-lines/);
  });

  it('rejects what is not SDP or has no mid', () => {
    expect(() => describeMedia('hello')).toThrow(MediaError);
    expect(() => describeMedia('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n')).toThrow(/no a=mid/);
    expect(() => describeMedia('v=0\r\nm=audio 9 X 1\r\na=mid:a\r\nm=video 9 X 2\r\na=mid:a\r\n')).toThrow(
      /twice/,
    );
  });
});

describe('restrictPublishOffer', () => {
  const restricted = restrictPublishOffer(chromiumPublishOffer);

  it('keeps only Opus (and its RED) on audio and VP8 (and its RTX) on video, recording the browser’s payload types', () => {
    expect(restricted.media.map(({ mid, kind, payloadType }) => ({ mid, kind, payloadType }))).toEqual([
      { mid: '0', kind: 'audio', payloadType: 111 },
      { mid: '1', kind: 'video', payloadType: 96 },
    ]);
    const audio = sectionOf(restricted.sdp, '0');
    const video = sectionOf(restricted.sdp, '1');
    // RED first: the answer mirrors the order, and libwebrtc sends RED when RED is the answer's first format.
    expect(audio[0]).toBe('m=audio 9 UDP/TLS/RTP/SAVPF 63 111');
    expect(restricted.media.map((media) => media.redPayloadType)).toEqual([63, null]);
    expect(video[0]).toBe('m=video 9 UDP/TLS/RTP/SAVPF 96 97');
    expect(audio.filter((l) => l.startsWith('a=rtpmap:'))).toEqual([
      'a=rtpmap:111 opus/48000/2',
      'a=rtpmap:63 red/48000/2',
    ]);
    expect(audio).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    expect(audio).toContain('a=fmtp:63 111/111');
    expect(audio.filter((l) => l.startsWith('a=rtcp-fb:63'))).toEqual([]);
    expect(video.filter((l) => l.startsWith('a=rtpmap:'))).toEqual([
      'a=rtpmap:96 VP8/90000',
      'a=rtpmap:97 rtx/90000',
    ]);
    expect(video.filter((l) => l.startsWith('a=fmtp:'))).toEqual(['a=fmtp:97 apt=96']);
  });

  it('keeps transport-cc (feedback and sequence extension) and the audio level, drops other extensions', () => {
    const all = parseSdp(restricted.sdp).media.flat();
    const twcc = 'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
    expect(all.filter((l) => l.startsWith('a=extmap:'))).toEqual([
      'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      twcc,
      twcc,
    ]);
    expect(restricted.media.map((media) => media.transportCcExtensionId)).toEqual([3, 3]);
    expect(sectionOf(restricted.sdp, '1')).toEqual(
      expect.arrayContaining([
        'a=rtcp-fb:96 nack',
        'a=rtcp-fb:96 nack pli',
        'a=rtcp-fb:96 ccm fir',
        'a=rtcp-fb:96 transport-cc',
      ]),
    );
    expect(restricted.sdp).not.toContain('extmap-allow-mixed');
  });

  it('keeps the media SSRC and its RTX (RFC 4588): payload type, FID partner; not the group', () => {
    expect(restricted.media[1]!.ssrc).toBe(702037544);
    expect(restricted.media[0]!.ssrc).toBe(765441212);
    expect(restricted.media[1]).toMatchObject({
      rtxPayloadType: 97,
      repairSsrcs: [{ media: 702037544, rtx: 4134358755 }],
      repairedRidExtensionId: null,
    });
    expect(restricted.media[0]).toMatchObject({ rtxPayloadType: null, repairSsrcs: [] });
    // libdatachannel routes the retransmissions to the track by the RTX SSRC's lines.
    expect(sectionOf(restricted.sdp, '1').filter((l) => l.startsWith('a=ssrc:4134358755 '))).toHaveLength(2);
    // The group is the SFU's to read: libdatachannel would copy it into the answer.
    expect(restricted.sdp).not.toContain('ssrc-group');
    // RTX has no feedback of its own, and no other codec's RTX is kept.
    expect(restricted.sdp).not.toMatch(/a=rtcp-fb:97 |a=fmtp:103 /);
  });

  it('drops the RTX SSRC when the offer has no RTX for VP8 (the browser retransmits on the media SSRC)', () => {
    for (const offer of [
      chromiumPublishOffer.replace('a=rtpmap:97 rtx/90000\r\n', ''),
      chromiumPublishOffer.replace('a=fmtp:97 apt=96', 'a=fmtp:97 apt=102'),
    ]) {
      const video = restrictPublishOffer(offer).media[1]!;
      expect(video).toMatchObject({ rtxPayloadType: null, repairSsrcs: [] });
      expect(restrictPublishOffer(offer).sdp).not.toContain('4134358755');
      expect(sectionOf(restrictPublishOffer(offer).sdp, '1')[0]).toBe('m=video 9 UDP/TLS/RTP/SAVPF 96');
    }
  });

  it('pairs each SSRC simulcast layer with its RTX SSRC (FID groups of the web app’s munged offer)', () => {
    const munged = chromiumPublishOffer.replace(
      'a=ssrc-group:FID 702037544 4134358755\r\n',
      [
        'a=ssrc-group:FID 702037544 4134358755',
        'a=ssrc:11 cname:x',
        'a=ssrc:12 cname:x',
        'a=ssrc-group:FID 11 12',
        'a=ssrc:21 cname:x',
        'a=ssrc:22 cname:x',
        'a=ssrc-group:FID 21 22',
        'a=ssrc-group:SIM 702037544 11 21',
        '',
      ].join('\r\n'),
    );
    const video = restrictPublishOffer(munged).media[1]!;
    expect(video.layerSsrcs).toEqual([702037544, 11, 21]);
    expect(video.repairSsrcs).toEqual([
      { media: 702037544, rtx: 4134358755 },
      { media: 11, rtx: 12 },
      { media: 21, rtx: 22 },
    ]);
    const kept = new Set(
      sectionOf(restrictPublishOffer(munged).sdp, '1')
        .filter((l) => l.startsWith('a=ssrc:'))
        .map((l) => l.split(' ')[0]),
    );
    expect([...kept].sort()).toEqual(
      ['a=ssrc:702037544', 'a=ssrc:4134358755', 'a=ssrc:11', 'a=ssrc:12', 'a=ssrc:21', 'a=ssrc:22'].sort(),
    );
  });

  it('refuses RTX that could be mistaken for media: the VP8 payload type, a layer’s SSRC, one stream twice', () => {
    const samePayloadType = chromiumPublishOffer
      .replace('a=rtpmap:97 rtx/90000', 'a=rtpmap:96 rtx/90000')
      .replace('a=fmtp:97 apt=96', 'a=fmtp:96 apt=96');
    expect(restrictPublishOffer(samePayloadType).media[1]).toMatchObject({
      payloadType: 96,
      rtxPayloadType: null,
    });
    const crossed = chromiumPublishOffer.replace(
      'a=ssrc-group:FID 702037544 4134358755\r\n',
      [
        'a=ssrc:11 cname:x',
        'a=ssrc-group:FID 702037544 11',
        'a=ssrc-group:FID 702037544 4134358755',
        'a=ssrc-group:FID 11 702037544',
        'a=ssrc-group:FID 11 12',
        'a=ssrc-group:SIM 702037544 11',
        '',
      ].join('\r\n'),
    );
    // 11 is a layer: it repairs nothing. 12 is not announced. The first stream keeps one RTX SSRC.
    expect(restrictPublishOffer(crossed).media[1]!.repairSsrcs).toEqual([
      { media: 702037544, rtx: 4134358755 },
    ]);
  });

  it('removes the client’s candidates but keeps ICE credentials and fingerprint', () => {
    expect(restricted.sdp).not.toContain('a=candidate');
    expect(restricted.sdp).toContain('a=ice-ufrag:9hEP');
    expect(restricted.sdp).toContain('a=fingerprint:sha-256 31:A2');
  });

  it('turns sendrecv into sendonly and recvonly into inactive: the SFU never sends here', () => {
    const sendrecv = chromiumPublishOffer.replace(/a=sendonly/g, 'a=sendrecv');
    const result = restrictPublishOffer(sendrecv);
    expect(result.media.map((m) => m.direction)).toEqual(['sendonly', 'sendonly']);
    expect(sectionOf(result.sdp, '0').filter((l) => l === 'a=sendonly')).toHaveLength(1);
    const recvonly = restrictPublishOffer(chromiumPublishOffer.replace(/a=sendonly/g, 'a=recvonly'));
    expect(recvonly.media.map((m) => m.direction)).toEqual(['inactive', 'inactive']);
  });

  it('accepts other payload type numbers (Firefox uses 109 and 120)', () => {
    const firefoxish = chromiumPublishOffer
      .replace('m=video 9 UDP/TLS/RTP/SAVPF 96 97', 'm=video 9 UDP/TLS/RTP/SAVPF 120 97')
      .replace('a=rtpmap:96 VP8/90000', 'a=rtpmap:120 VP8/90000');
    expect(restrictPublishOffer(firefoxish).media[1]!.payloadType).toBe(120);
  });

  it('refuses an active video m-line without a codec the SFU forwards, with a clear message', () => {
    const noCodec = chromiumPublishOffer
      .replace(/m=video 9 UDP\/TLS\/RTP\/SAVPF [0-9 ]+/, 'm=video 9 UDP/TLS/RTP/SAVPF 96 97 104')
      .replace('a=rtpmap:96 VP8/90000', 'a=rtpmap:96 FOO/90000'); // and 104 is H.264 in mode 0
    expect(() => restrictPublishOffer(noCodec)).toThrow(
      /video m-line "1" offers none of the codecs the SFU forwards/,
    );
  });

  it('takes the first codec of the m-line that it forwards, with its format parameters', () => {
    const reorder = (formats: string) =>
      chromiumPublishOffer.replace(
        /m=video 9 UDP\/TLS\/RTP\/SAVPF [0-9 ]+/,
        `m=video 9 UDP/TLS/RTP/SAVPF ${formats}`,
      );
    const h264 = restrictPublishOffer(reorder('102 103 96 97')).media[1]!;
    expect(h264).toMatchObject({ payloadType: 102, codec: 'h264', rtxPayloadType: 103 });
    expect(h264.formatParameters).toMatch(/packetization-mode=1/);
    const vp9 = restrictPublishOffer(reorder('98 99 96 97')).media[1]!;
    expect(vp9).toMatchObject({
      payloadType: 98,
      codec: 'vp9',
      rtxPayloadType: 99,
      formatParameters: 'profile-id=0',
    });
    // VP9 profile 2 (10-bit) is passed over for the next one, VP8.
    expect(restrictPublishOffer(reorder('100 101 96 97')).media[1]).toMatchObject({
      payloadType: 96,
      codec: 'vp8',
    });
    const av1 = restrictPublishOffer(reorder('45 46 96 97'));
    expect(av1.media[1]).toMatchObject({ payloadType: 45, codec: 'av1', rtxPayloadType: 46 });
    // The answer (libdatachannel mirrors the restricted offer) lists the chosen codec and its RTX only.
    expect(sectionOf(av1.sdp, '1')[0]).toBe('m=video 9 UDP/TLS/RTP/SAVPF 45 46');
    expect(restricted.media[1]).toMatchObject({ codec: 'vp8', formatParameters: '' });
    expect(restricted.media[0]).toMatchObject({ codec: null });
  });

  it('accepts a removed m-line whatever its codecs', () => {
    const removed = chromiumPublishOffer
      .replace(/m=video 9 UDP\/TLS\/RTP\/SAVPF [0-9 ]+/, 'm=video 0 UDP/TLS/RTP/SAVPF 96')
      .replace('a=rtpmap:96 VP8/90000', 'a=rtpmap:96 FOO/90000');
    const result = restrictPublishOffer(removed);
    expect(result.media[1]).toMatchObject({ mid: '1', rejected: true, payloadType: null });
  });

  it('refuses an offer without m-lines', () => {
    expect(() => restrictPublishOffer('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n')).toThrow(
      /no m-line/,
    );
  });
});

describe('announceHostCandidate', () => {
  const libdatachannelAnswer = [
    'v=0',
    'o=rtc 1 0 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=ice-options:ice2,trickle',
    'm=audio 51234 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 10.0.0.7',
    'a=mid:0',
    'a=recvonly',
    'a=candidate:1 1 UDP 2114977791 10.0.0.7 51234 typ host',
    'a=candidate:2 1 UDP 2114977535 fd00::2 51234 typ host',
    'a=end-of-candidates',
    'm=video 0 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    'm=video 51234 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 10.0.0.7',
    'a=mid:2',
    '',
  ].join('\r\n');

  it('replaces every candidate by the one public host candidate, in the first active m-line', () => {
    const sdp = announceHostCandidate(libdatachannelAnswer, '203.0.113.5', 40000);
    expect(sdp.match(/a=candidate:.*/g)).toEqual([
      'a=candidate:1 1 udp 2130706431 203.0.113.5 40000 typ host',
    ]);
    expect(sdp.match(/a=end-of-candidates/g)).toHaveLength(1);
    expect(sectionOf(sdp, '0')).toEqual(
      expect.arrayContaining([
        'm=audio 40000 UDP/TLS/RTP/SAVPF 111',
        'c=IN IP4 203.0.113.5',
        'a=end-of-candidates',
      ]),
    );
    expect(sectionOf(sdp, '1')[0]).toBe('m=video 0 UDP/TLS/RTP/SAVPF 96');
    expect(sectionOf(sdp, '2')).toEqual([
      'm=video 40000 UDP/TLS/RTP/SAVPF 96',
      'c=IN IP4 203.0.113.5',
      'a=mid:2',
    ]);
    expect(sdp).toContain('a=ice-options:ice2\r\n');
    expect(sdp).not.toContain('10.0.0.7');
    expect(sdp).not.toContain('fd00');
  });

  it('writes an IPv6 address as IP6', () => {
    const sdp = announceHostCandidate(libdatachannelAnswer, '2001:db8::1', 40000);
    expect(sdp).toContain('c=IN IP6 2001:db8::1');
    expect(sdp).toContain('a=candidate:1 1 udp 2130706431 2001:db8::1 40000 typ host');
  });
});

describe('receiveOnlyAnswer', () => {
  it('answers recvonly (or inactive) and removes msid lines copied from the offer', () => {
    const offered = restrictPublishOffer(chromiumPublishOffer.replace(/a=sendonly/, 'a=inactive')).media;
    const answer = [
      'v=0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=mid:0',
      'a=recvonly',
      'a=msid:stream track',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      'a=mid:1',
      'a=recvonly',
      'a=msid:stream track2',
      '',
    ].join('\r\n');
    const sdp = receiveOnlyAnswer(answer, offered);
    expect(sectionOf(sdp, '0')).toEqual(['m=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'a=inactive']);
    expect(sectionOf(sdp, '1')).toEqual(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=recvonly']);
  });

  it('asks for mono Opus: drops the stereo=1 Firefox offers, keeps the other parameters', () => {
    const firefoxOffer = fixture('firefox-publish-offer.sdp');
    expect(firefoxOffer).toContain('a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1');
    const offered = restrictPublishOffer(firefoxOffer).media;
    const audioMid = offered.find((media) => media.kind === 'audio')!.mid;
    // libdatachannel's answer copies the offer's parameters.
    const answer = [
      'v=0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 109 101',
      `a=mid:${audioMid}`,
      'a=recvonly',
      'a=rtpmap:109 opus/48000/2',
      'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 stereo=1',
      '',
    ].join('\r\n');
    const section = sectionOf(receiveOnlyAnswer(answer, offered), audioMid);
    expect(section).toContain('a=fmtp:109 maxplaybackrate=48000;useinbandfec=1');
    expect(section).toContain('a=rtpmap:109 opus/48000/2');
    expect(section.some((line) => /stereo=1/.test(line))).toBe(false);
    expect(section.some((line) => line.startsWith('a=fmtp:101'))).toBe(false);
  });

  it('answers the formats the offer has now, not the ones libdatachannel answered first (a codec change)', () => {
    // The publisher went from H.264 to VP8; libdatachannel answers the m-line with H.264 still.
    const restricted = restrictPublishOffer(chromiumPublishOffer);
    const stale = restricted.sdp
      .replace('m=video 9 UDP/TLS/RTP/SAVPF 96 97', 'm=video 9 UDP/TLS/RTP/SAVPF 102 103')
      .replace(/a=rtpmap:96 VP8\/90000/, 'a=rtpmap:102 H264/90000')
      .replace(/a=rtcp-fb:96 /g, 'a=rtcp-fb:102 ');
    const section = sectionOf(receiveOnlyAnswer(stale, restricted.media, restricted.sdp), '1');
    expect(section[0]).toBe('m=video 9 UDP/TLS/RTP/SAVPF 96 97');
    expect(section).toContain('a=rtpmap:96 VP8/90000');
    expect(section).toContain('a=fmtp:97 apt=96');
    expect(section.some((line) => /^a=(rtpmap|fmtp|rtcp-fb):10[23]/.test(line))).toBe(false);
    expect(section).toContain('a=recvonly');
    // Formats that already match are left as libdatachannel wrote them.
    expect(receiveOnlyAnswer(restricted.sdp, restricted.media, restricted.sdp)).toBe(
      receiveOnlyAnswer(restricted.sdp, restricted.media),
    );
  });
});

describe('withoutCandidates', () => {
  it('removes candidate lines at every level', () => {
    const sdp = withoutCandidates(
      chromiumSubscribeOffer.replace(
        'a=mid:0',
        'a=mid:0\r\na=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\na=end-of-candidates',
      ),
    );
    expect(sdp).not.toMatch(/candidate/);
    expect(describeMedia(sdp)).toHaveLength(1);
  });
});

/** Captured from Firefox ESR 153 (Debian's firefox-esr) through Parley's web app. */
const firefoxPublishOffer = fixture('firefox-publish-offer.sdp');
const firefoxSubscribeOffer = fixture('firefox-subscribe-offer.sdp');
const firefoxSubscriberAnswer = fixture('firefox-subscriber-answer.sdp');

describe('Firefox descriptions', () => {
  const restricted = restrictPublishOffer(firefoxPublishOffer);
  const video = () => restricted.media.find((media) => media.kind === 'video')!;

  it('reads a bundle-only m-line (port 0 + a=bundle-only) as live, and gives libdatachannel port 9', () => {
    expect(sectionOf(firefoxPublishOffer, '1')[0]).toMatch(/^m=video 0 /);
    expect(describeMedia(firefoxPublishOffer).map((media) => media.rejected)).toEqual([false, false]);
    const section = sectionOf(restricted.sdp, '1');
    expect(section[0]).toBe('m=video 9 UDP/TLS/RTP/SAVPF 120');
    expect(section).not.toContain('a=bundle-only');
    expect(video().rejected).toBe(false);
  });

  it('takes RID simulcast: the RIDs in order, the rtp-stream-id extension, every layer’s SSRC (not RTX)', () => {
    expect(video().layerRids).toEqual(['l', 'm', 'h']);
    expect(video().ridExtensionId).toBe(9);
    expect(video().layerSsrcs).toEqual([]);
    const section = sectionOf(restricted.sdp, '1');
    const ssrcs = section.filter((line) => line.startsWith('a=ssrc:')).map((line) => line.split(' ')[0]);
    const fids = sectionOf(firefoxPublishOffer, '1').filter((line) => line.startsWith('a=ssrc-group:FID'));
    expect(fids).toHaveLength(3);
    // The first SSRC of each FID group is a layer; the second its RTX stream, which is refused.
    expect(ssrcs).toEqual(fids.map((line) => `a=ssrc:${line.split(' ')[1]}`));
    expect(section.filter((line) => line.startsWith('a=extmap:'))).toEqual([
      'a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      'a=extmap:9/sendonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
    ]);
    expect(section.some((line) => /^a=(rid|simulcast|ssrc-group):/.test(line))).toBe(false);
    expect(section.some((line) => line.startsWith('a=rtpmap:') && !line.includes('VP8'))).toBe(false);
  });

  it('answers RID simulcast with each RID as received, recvonly', () => {
    const answer = restricted.sdp.replace(/a=sendonly/g, 'a=recvonly');
    const section = sectionOf(receiveOnlyAnswer(answer, restricted.media), '1');
    expect(section).toContain('a=recvonly');
    expect(section.filter((line) => /^a=(rid|simulcast):/.test(line))).toEqual([
      'a=rid:l recv',
      'a=rid:m recv',
      'a=rid:h recv',
      'a=simulcast:recv l;m;h',
    ]);
  });

  it('refuses RID simulcast (one stream) when the offer lacks the SSRCs or the extension', () => {
    const withoutSsrcs = firefoxPublishOffer
      .split('\r\n')
      .filter((line) => !line.startsWith('a=ssrc'))
      .join('\r\n');
    expect(restrictPublishOffer(withoutSsrcs).media[1]!.layerRids).toEqual([]);
    const withoutExtension = firefoxPublishOffer.replace(/a=extmap:9\/sendonly \S+\r\n/, '');
    const single = restrictPublishOffer(withoutExtension);
    expect(single.media[1]!.layerRids).toEqual([]);
    expect(single.media[1]!.ssrc).toBe(Number(/a=ssrc-group:FID (\d+)/.exec(firefoxPublishOffer)![1]));
  });

  it('refuses RIDs that are not RFC 8851 tokens, or named twice', () => {
    const bad = firefoxPublishOffer
      .replace('a=rid:l send', 'a=rid:l;x send')
      .replace('a=simulcast:send l;m;h', 'a=simulcast:send l;x;m;h');
    expect(restrictPublishOffer(bad).media[1]!.layerRids).toEqual([]);
    const twice = firefoxPublishOffer.replace('a=simulcast:send l;m;h', 'a=simulcast:send l;l;h');
    expect(restrictPublishOffer(twice).media[1]!.layerRids).toEqual([]);
  });

  it('takes Firefox’s data-channel-only subscribe offer', () => {
    expect(describeMedia(firefoxSubscribeOffer).map(({ kind, rejected }) => ({ kind, rejected }))).toEqual([
      { kind: 'application', rejected: false },
    ]);
  });

  it('aligns a=setup of Firefox’s answer on the bundle’s first m-line and makes bundle-only m-lines plain', () => {
    const setups = (sdp: string) =>
      parseSdp(sdp).media.map((section) => section.find((line) => line.startsWith('a=setup:')));
    // Firefox is passive on the bundle (the data channel) but answers the SFU's media m-lines active.
    expect(setups(firefoxSubscriberAnswer)).toEqual(['a=setup:passive', 'a=setup:active', 'a=setup:active']);
    const normalized = normalizeBrowserAnswer(firefoxSubscriberAnswer);
    expect(setups(normalized)).toEqual(['a=setup:passive', 'a=setup:passive', 'a=setup:passive']);
    const bundleOnly = firefoxSubscriberAnswer.replace(
      /m=audio 9 (.*)\r\n/,
      (_, rest: string) => `m=audio 0 ${rest}\r\na=bundle-only\r\n`,
    );
    expect(describeMedia(bundleOnly)[1]!.rejected).toBe(false);
    const plain = sectionOf(normalizeBrowserAnswer(bundleOnly), '1');
    expect(plain[0]).toMatch(/^m=audio 9 /);
    expect(plain).not.toContain('a=bundle-only');
  });

  it('with RTX offered (rtx in its codec preferences) keeps each layer’s RTX SSRC and the repaired RID', () => {
    // Recorded from Firefox ESR 153 with VP8 + rtx preferred and three RID encodings.
    const offer = fixture('firefox-publish-offer-rtx.sdp');
    const media = restrictPublishOffer(offer).media[1]!;
    const fids = sectionOf(offer, '1')
      .filter((line) => line.startsWith('a=ssrc-group:FID '))
      .map((line) => line.split(' ').slice(1).map(Number));
    expect(media).toMatchObject({ payloadType: 120, rtxPayloadType: 124, layerRids: ['l', 'm', 'h'] });
    expect(media.repairSsrcs).toEqual(fids.map(([ssrc, rtx]) => ({ media: ssrc, rtx })));
    expect(media.repairedRidExtensionId).toBe(10);
    const section = sectionOf(restrictPublishOffer(offer).sdp, '1');
    expect(section[0]).toBe('m=video 9 UDP/TLS/RTP/SAVPF 120 124');
    expect(section).toEqual(
      expect.arrayContaining([
        'a=rtpmap:124 rtx/90000',
        'a=fmtp:124 apt=120',
        'a=extmap:9/sendonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
        'a=extmap:10/sendonly urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
      ]),
    );
    // Every layer's SSRC and every RTX SSRC: libdatachannel drops what no description announces.
    expect(section.filter((line) => line.startsWith('a=ssrc:'))).toHaveLength(6);
    // The recorded offer without RTX keeps RTX out, repaired RID included.
    expect(video()).toMatchObject({ rtxPayloadType: null, repairSsrcs: [], repairedRidExtensionId: null });
    expect(restricted.sdp).not.toContain('repaired-rtp-stream-id');
  });

  it('still reads port 0 without bundle-only as removed', () => {
    const removed = firefoxPublishOffer.replace('a=bundle-only\r\n', '');
    expect(describeMedia(removed)[1]!.rejected).toBe(true);
  });
});

describe('restrictPublishOffer: Opus RED (RFC 2198)', () => {
  const offer = (red: string) =>
    [
      'v=0',
      'o=- 1 2 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
      'c=IN IP4 0.0.0.0',
      'a=mid:0',
      'a=sendonly',
      'a=rtpmap:111 opus/48000/2',
      'a=rtpmap:63 red/48000/2',
      red,
      'a=ssrc:1 cname:x',
      '',
    ].join('\r\n');

  it('keeps RED only when all its blocks are the Opus it forwards', () => {
    expect(restrictPublishOffer(offer('a=fmtp:63 111/111')).media[0]!.redPayloadType).toBe(63);
    expect(restrictPublishOffer(offer('a=fmtp:63 111/111/111')).media[0]!.redPayloadType).toBe(63);
    for (const fmtp of ['a=fmtp:63 111/0', 'a=fmtp:63 0/0', 'a=fmtp:63 ', 'a=fmtp:63 111//111', 'a=x:1']) {
      const restricted = restrictPublishOffer(offer(fmtp));
      expect(restricted.media[0]!.redPayloadType).toBeNull();
      expect(sectionOf(restricted.sdp, '0')[0]).toBe('m=audio 9 UDP/TLS/RTP/SAVPF 111');
      expect(restricted.sdp).not.toContain('red/48000');
    }
  });
});

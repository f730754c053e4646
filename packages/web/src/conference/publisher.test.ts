import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { forgetSimulcastMode, Publisher, ridLayersAnnounced } from './publisher';
import type { SignalingClient } from './signaling';
import { FakePeerConnection, FakeSignaling, type FakeTransceiver, settle } from './testing/fake-webrtc';

const H264_MODE_1 = { mimeType: 'video/H264', sdpFmtpLine: 'packetization-mode=1;profile-level-id=42e01f' };
const H264_MODE_0 = { mimeType: 'video/H264', sdpFmtpLine: 'packetization-mode=0;profile-level-id=42e01f' };
const capabilities: Record<string, { codecs: { mimeType: string; sdpFmtpLine?: string }[] }> = {
  video: {
    codecs: [
      { mimeType: 'video/VP8' },
      { mimeType: 'video/rtx' },
      H264_MODE_0,
      H264_MODE_1,
      { mimeType: 'video/VP9' },
    ],
  },
  audio: {
    codecs: [
      { mimeType: 'audio/opus' },
      { mimeType: 'audio/red', sdpFmtpLine: '111/111' },
      { mimeType: 'audio/PCMU' },
    ],
  },
};

const track = (name: string, enabled = true) => ({ name, enabled }) as unknown as MediaStreamTrack;
const stream = {} as MediaStream;

describe('Publisher', () => {
  let log: string[];
  let signaling: FakeSignaling;
  let publisher: Publisher;
  let pc: FakePeerConnection;

  beforeEach(() => {
    log = [];
    FakePeerConnection.sharedLog = log;
    FakePeerConnection.instances = [];
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpSender', { getCapabilities: (kind: string) => capabilities[kind] ?? null });
    signaling = new FakeSignaling(log);
    publisher = new Publisher(signaling as unknown as SignalingClient, {}, { onFailed: () => undefined });
    pc = FakePeerConnection.instances[0]!;
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const transceiver = (index: number) => pc.transceivers[index] as FakeTransceiver;

  it('sends VP8 (with its RTX retransmissions) and Opus only', () => {
    publisher.publish('mic', track('mic'), stream);
    publisher.publish('camera', track('cam'), stream);
    expect(transceiver(0).codecPreferences).toEqual([{ mimeType: 'audio/opus' }]);
    expect(transceiver(1).codecPreferences).toEqual([{ mimeType: 'video/VP8' }, { mimeType: 'video/rtx' }]);
    expect(transceiver(1).direction).toBe('sendonly');
  });

  it("prefers the meeting's codec in a form the SFU forwards, with VP8 after it", () => {
    publisher.setCodecs({ video: 'h264', redundantAudio: false });
    publisher.publish('camera', track('cam'), stream);
    expect(transceiver(0).codecPreferences).toEqual([
      H264_MODE_1,
      { mimeType: 'video/VP8' },
      { mimeType: 'video/rtx' },
    ]);
  });

  it('falls back to VP8 where the browser cannot encode the codec', () => {
    publisher.setCodecs({ video: 'av1', redundantAudio: false });
    publisher.publish('camera', track('cam'), stream);
    expect(transceiver(0).codecPreferences).toEqual([{ mimeType: 'video/VP8' }, { mimeType: 'video/rtx' }]);
  });

  it('changes the codec of a published camera and says a negotiation is due', () => {
    publisher.publish('mic', track('mic'), stream);
    expect(publisher.setCodecs({ video: 'h264', redundantAudio: false })).toBe(false); // no video yet: nothing to renegotiate
    publisher.publish('camera', track('cam'), stream);
    expect(transceiver(1).codecPreferences?.[0]).toEqual(H264_MODE_1);
    expect(publisher.setCodecs({ video: 'vp8', redundantAudio: false })).toBe(true);
    expect(transceiver(1).codecPreferences).toEqual([{ mimeType: 'video/VP8' }, { mimeType: 'video/rtx' }]);
    expect(transceiver(0).codecPreferences).toEqual([{ mimeType: 'audio/opus' }]);
    expect(publisher.setCodecs({ video: 'vp8', redundantAudio: false })).toBe(false);
  });

  it('sends Opus with redundancy (RED first) when asked, and plain Opus again under encryption', () => {
    publisher.setCodecs({ video: 'vp8', redundantAudio: true });
    publisher.publish('mic', track('mic'), stream);
    publisher.publish('camera', track('cam'), stream);
    expect(transceiver(0).codecPreferences).toEqual([
      { mimeType: 'audio/red', sdpFmtpLine: '111/111' },
      { mimeType: 'audio/opus' },
    ]);
    const camera = transceiver(1).codecPreferences;
    expect(publisher.setCodecs({ video: 'vp8', redundantAudio: false })).toBe(true);
    expect(transceiver(0).codecPreferences).toEqual([{ mimeType: 'audio/opus' }]);
    expect(transceiver(1).codecPreferences).toBe(camera); // video untouched
  });

  it('offers once for changes made together and lists each track by mid', async () => {
    publisher.publish('mic', track('mic'), stream);
    publisher.publish('camera', track('cam'), stream);
    const a = publisher.negotiate();
    const b = publisher.negotiate();
    await settle();
    expect(signaling.requests).toHaveLength(1);
    expect(signaling.requests[0]?.payload.tracks).toEqual([
      { mid: '0', source: 'mic', muted: false },
      { mid: '1', source: 'camera', muted: false },
    ]);
    signaling.requests[0]?.answer.resolve({ sdp: 'answer-1' });
    await Promise.all([a, b]);
    expect(log).toContain('setRemote answer-1');
  });

  it('runs a change made during a negotiation in a second one, after the first', async () => {
    publisher.publish('mic', track('mic'), stream);
    const first = publisher.negotiate();
    await settle();
    expect(signaling.requests).toHaveLength(1);

    const screen = track('screen');
    expect(publisher.publish('screen', screen, stream)).toBe(true);
    const second = publisher.negotiate();
    await settle();
    expect(signaling.requests).toHaveLength(1);

    signaling.requests[0]?.answer.resolve({ sdp: 'answer-1' });
    await first;
    await settle();
    expect(signaling.requests).toHaveLength(2);
    expect(signaling.requests[1]?.payload.tracks).toEqual([
      { mid: '0', source: 'mic', muted: false },
      { mid: '1', source: 'screen', muted: false },
    ]);
    signaling.requests[1]?.answer.resolve({ sdp: 'answer-2' });
    await second;
  });

  it('declares a muted microphone in the offer', async () => {
    publisher.publish('mic', track('mic', false), stream);
    const done = publisher.negotiate();
    await settle();
    expect(signaling.requests[0]?.payload.tracks).toEqual([{ mid: '0', source: 'mic', muted: true }]);
    signaling.requests[0]?.answer.resolve({ sdp: 'answer' });
    await done;
  });

  it('unpublishes by going inactive and reuses the transceiver next time', async () => {
    publisher.publish('screen', track('screen-1'), stream);
    void publisher.negotiate();
    await settle();
    signaling.requests[0]?.answer.resolve({ sdp: 'a' });
    await settle();

    expect(publisher.unpublish('screen')).toBe(true);
    expect(publisher.unpublish('screen')).toBe(false);
    expect(transceiver(0).direction).toBe('inactive');
    expect(transceiver(0).sender.track).toBeNull();
    void publisher.negotiate();
    await settle();
    expect(signaling.requests[1]?.payload.tracks).toEqual([]);
    signaling.requests[1]?.answer.resolve({ sdp: 'b' });
    await settle();

    const again = track('screen-2');
    expect(publisher.publish('screen', again, stream)).toBe(true);
    expect(pc.transceivers).toHaveLength(1);
    expect(transceiver(0).direction).toBe('sendonly');
    expect(transceiver(0).sender.track).toBe(again);
    // Replacing the track of a published source needs no negotiation.
    expect(publisher.publish('screen', track('screen-3'), stream)).toBe(false);
  });

  it('sends the camera as three scaled layers (SSRC simulcast) and a screen as one stream', async () => {
    const camera = { id: 'cam-1', enabled: true } as unknown as MediaStreamTrack;
    publisher.publish('camera', camera, stream);
    publisher.publish('screen', { id: 'screen-1', enabled: true } as unknown as MediaStreamTrack, stream);
    // Chromium's offer: one SSRC per sending m-line; its sender then holds one encoding per SIM layer.
    const section = (mid: number, ssrc: number, trackId: string) => [
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      `a=mid:${mid}`,
      'a=sendonly',
      `a=msid:stream ${trackId}`,
      'a=rtpmap:96 VP8/90000',
      `a=ssrc:${ssrc} cname:c`,
      `a=ssrc:${ssrc} msid:stream ${trackId}`,
    ];
    const sdp = `${['v=0', 's=-', ...section(0, 111, 'cam-1'), ...section(1, 222, 'screen-1')].join('\r\n')}\r\n`;
    pc.createOffer = async () => ({ type: 'offer', sdp });
    let encodings: RTCRtpEncodingParameters[] = [{ scaleResolutionDownBy: 1 }, {}, {}];
    Object.assign(transceiver(0).sender, {
      getParameters: () => ({ encodings: encodings.map((encoding) => ({ ...encoding })) }),
      setParameters: async (parameters: { encodings: RTCRtpEncodingParameters[] }) => {
        encodings = parameters.encodings;
      },
    });

    void publisher.negotiate();
    await settle();
    const offered = String(signaling.requests[0]?.payload.sdp);
    const simulcast = /^a=ssrc-group:SIM 111 (\d+) (\d+)$/m.exec(offered);
    expect(simulcast).not.toBeNull();
    expect(offered.match(/^a=ssrc-group:SIM/gm)).toHaveLength(1);
    expect(offered).toContain(`a=ssrc:${simulcast![2]} msid:stream cam-1`);
    expect(encodings.map((encoding) => encoding.scaleResolutionDownBy)).toEqual([4, 2, 1]);
    expect(encodings.map((encoding) => encoding.maxBitrate)).toEqual([150_000, 500_000, 1_500_000]);
  });

  describe('layers the SFU asks to pause (simulcast-layers)', () => {
    /** Chromium's camera sender after the munged offer: three encodings; counts setParameters calls. */
    function cameraSender(count = 3) {
      const section = [
        'v=0',
        's=-',
        'm=video 9 UDP/TLS/RTP/SAVPF 96',
        'a=mid:0',
        'a=sendonly',
        'a=msid:stream cam-1',
        'a=rtpmap:96 VP8/90000',
        'a=ssrc:111 cname:c',
        'a=ssrc:111 msid:stream cam-1',
      ];
      pc.createOffer = async () => ({ type: 'offer', sdp: `${section.join('\r\n')}\r\n` });
      const state = {
        encodings: Array.from({ length: count }, () => ({}) as RTCRtpEncodingParameters),
        sets: 0,
      };
      Object.assign(transceiver(0).sender, {
        getParameters: () => ({ encodings: state.encodings.map((encoding) => ({ ...encoding })) }),
        setParameters: async (parameters: { encodings: RTCRtpEncodingParameters[] }) => {
          state.encodings = parameters.encodings;
          state.sets++;
        },
      });
      return state;
    }
    const active = (state: { encodings: RTCRtpEncodingParameters[] }) =>
      state.encodings.map((encoding) => encoding.active ?? true);
    const negotiated = async (index: number) => {
      const done = publisher.negotiate();
      await settle();
      signaling.requests[index]?.answer.resolve({ sdp: `answer-${index}` });
      await done;
    };

    it('turns the camera’s encodings off and on as asked, and again after every negotiation', async () => {
      publisher.publish('camera', { id: 'cam-1', enabled: true } as unknown as MediaStreamTrack, stream);
      const sender = cameraSender();
      await negotiated(0);
      await publisher.setActiveLayers('camera', [true, false, true]);
      expect(active(sender)).toEqual([true, false, true]);
      // A renegotiation (the microphone joins) may hand the sender fresh parameters: applied again.
      sender.encodings = sender.encodings.map((encoding) => ({ ...encoding, active: true }));
      publisher.publish('mic', track('mic'), stream);
      await negotiated(1);
      expect(active(sender)).toEqual([true, false, true]);
      await publisher.setActiveLayers('camera', [true, true, true]);
      expect(active(sender)).toEqual([true, true, true]);
      // The same again changes nothing; other sources have one stream.
      const sets = sender.sets;
      await publisher.setActiveLayers('camera', [true, true, true]);
      await publisher.setActiveLayers('screen', [false, false, false]);
      expect(sender.sets).toBe(sets);
    });

    it('leaves a sender with one encoding alone (Firefox without RID layers, VP9, simulcast refused)', async () => {
      publisher.publish('camera', { id: 'cam-1', enabled: true } as unknown as MediaStreamTrack, stream);
      const sender = cameraSender(1);
      await negotiated(0);
      await publisher.setActiveLayers('camera', [true, false, false]);
      expect(active(sender)).toEqual([true]);
    });

    it('a camera published again starts with every layer on, as the SFU’s new publication expects', async () => {
      publisher.publish('camera', { id: 'cam-1', enabled: true } as unknown as MediaStreamTrack, stream);
      const sender = cameraSender();
      await negotiated(0);
      await publisher.setActiveLayers('camera', [false, false, false]);
      expect(active(sender)).toEqual([false, false, false]);
      publisher.unpublish('camera');
      await negotiated(1);
      publisher.publish('camera', { id: 'cam-1', enabled: true } as unknown as MediaStreamTrack, stream);
      await negotiated(2);
      expect(active(sender)).toEqual([true, true, true]);
    });
  });

  it('sends a VP9 camera as one full-size stream (Chromium sends only the first of its SIM layers)', async () => {
    publisher.setCodecs({ video: 'vp9', redundantAudio: false });
    publisher.publish('camera', { id: 'cam-1', enabled: true } as unknown as MediaStreamTrack, stream);
    const sdp = [
      'v=0',
      's=-',
      'm=video 9 UDP/TLS/RTP/SAVPF 98',
      'a=mid:0',
      'a=sendonly',
      'a=msid:stream cam-1',
      'a=rtpmap:98 VP9/90000',
      'a=ssrc:111 cname:c',
      'a=ssrc:111 msid:stream cam-1',
      '',
    ].join('\r\n');
    pc.createOffer = async () => ({ type: 'offer', sdp });
    void publisher.negotiate();
    await settle();
    expect(String(signaling.requests[0]?.payload.sdp)).not.toContain('a=ssrc-group:SIM');
    expect(transceiver(0).codecPreferences?.[0]).toEqual({ mimeType: 'video/VP9' });
  });
});

describe('ridLayersAnnounced (the simulcast feature check)', () => {
  const offer = (lines: string[]) =>
    [
      'v=0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 109',
      'a=ssrc:1 cname:x',
      'm=video 0 UDP/TLS/RTP/SAVPF 120',
      ...lines,
    ]
      .join('\r\n')
      .concat('\r\n');
  const rids = ['a=rid:l send', 'a=rid:m send', 'a=rid:h send', 'a=simulcast:send l;m;h'];

  it('is true for an offer like Firefox’s: RID layers with an SSRC each (and RTX partners)', () => {
    const ssrcs = [10, 11, 20, 21, 30, 31].map((ssrc) => `a=ssrc:${ssrc} cname:x`);
    const fids = ['a=ssrc-group:FID 10 11', 'a=ssrc-group:FID 20 21', 'a=ssrc-group:FID 30 31'];
    expect(ridLayersAnnounced(offer([...rids, ...ssrcs, ...fids]), 3)).toBe(true);
  });

  it('is false for an offer like Chromium’s: RID layers without SSRCs, or only RTX pairs of one', () => {
    expect(ridLayersAnnounced(offer(rids), 3)).toBe(false);
    const one = ['a=ssrc:10 cname:x', 'a=ssrc:11 cname:x', 'a=ssrc-group:FID 10 11'];
    expect(ridLayersAnnounced(offer([...rids, ...one]), 3)).toBe(false);
    expect(
      ridLayersAnnounced(offer(['a=ssrc:10 cname:x', 'a=ssrc:20 cname:x', 'a=ssrc:30 cname:x']), 3),
    ).toBe(false);
  });
});

describe('Publisher camera simulcast by RID', () => {
  afterEach(() => {
    FakePeerConnection.offerSdp = null;
    forgetSimulcastMode();
    vi.unstubAllGlobals();
  });

  it('sends the camera with three RID encodings, unmunged, when the feature check finds their SSRCs', async () => {
    const firefoxLike = [
      'v=0',
      'm=video 9 UDP/TLS/RTP/SAVPF 120',
      'a=rid:l send',
      'a=rid:m send',
      'a=rid:h send',
      'a=simulcast:send l;m;h',
      'a=ssrc:10 cname:x',
      'a=ssrc:20 cname:x',
      'a=ssrc:30 cname:x',
      '',
    ].join('\r\n');
    FakePeerConnection.offerSdp = (pc) => (pc.transceivers[0]?.sendEncodings ? firefoxLike : undefined);
    FakePeerConnection.instances = [];
    forgetSimulcastMode();
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpSender', { getCapabilities: (kind: string) => capabilities[kind] ?? null });
    const publisher = new Publisher(
      new FakeSignaling([]) as unknown as SignalingClient,
      {},
      {
        onFailed: () => undefined,
      },
    );
    await publisher.prepared();
    publisher.publish('mic', track('mic'), stream);
    publisher.publish('camera', track('cam'), stream);
    const pc = FakePeerConnection.instances[0]!;
    expect(pc.transceivers[0]!.sendEncodings).toBeUndefined();
    expect(pc.transceivers[1]!.sendEncodings?.map((encoding) => encoding.rid)).toEqual(['l', 'm', 'h']);
    expect(pc.transceivers[1]!.sendEncodings?.map((encoding) => encoding.scaleResolutionDownBy)).toEqual([
      4, 2, 1,
    ]);
  });

  it('gives a VP9 camera one encoding, as for SSRC simulcast', async () => {
    FakePeerConnection.offerSdp = () => undefined;
    FakePeerConnection.instances = [];
    forgetSimulcastMode();
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpSender', { getCapabilities: (kind: string) => capabilities[kind] ?? null });
    FakePeerConnection.offerSdp = (pc) =>
      pc.transceivers[0]?.sendEncodings
        ? 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 120\r\na=rid:l send\r\na=rid:m send\r\na=rid:h send\r\na=simulcast:send l;m;h\r\na=ssrc:10 cname:x\r\na=ssrc:20 cname:x\r\na=ssrc:30 cname:x\r\n'
        : undefined;
    const publisher = new Publisher(
      new FakeSignaling([]) as unknown as SignalingClient,
      {},
      { onFailed: () => undefined },
    );
    await publisher.prepared();
    publisher.setCodecs({ video: 'vp9', redundantAudio: false });
    publisher.publish('camera', track('cam'), stream);
    expect(FakePeerConnection.instances[0]!.transceivers[0]!.sendEncodings).toBeUndefined();
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignalingClient } from './signaling';
import type { RemoteTracks } from './subscriber';
import { Subscriber, unplayableVideo } from './subscriber';
import { FakePeerConnection, FakeSignaling, settle } from './testing/fake-webrtc';

describe('Subscriber', () => {
  let log: string[];
  let signaling: FakeSignaling;
  let routed: RemoteTracks[];
  let subscriber: Subscriber;

  beforeEach(() => {
    log = [];
    FakePeerConnection.sharedLog = log;
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    signaling = new FakeSignaling(log);
    routed = [];
    subscriber = new Subscriber(
      signaling as unknown as SignalingClient,
      {},
      {
        onTracks: (tracks) => routed.push(tracks),
        onFailed: () => log.push('failed'),
      },
    );
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('prepares its first offer early and sends it with the ICE servers given at start', async () => {
    subscriber.prepare();
    await settle();
    expect(log).toEqual(['datachannel parley']);
    const started = subscriber.start([{ urls: ['turn:turn.example:3478'] }]);
    await settle();
    expect(log).toEqual([
      'datachannel parley',
      'setConfiguration [{"urls":["turn:turn.example:3478"]}]',
      'setLocal local-offer-1',
      'request subscribe local-offer-1',
    ]);
    signaling.requests[0]?.answer.resolve({ sdp: 'server-answer' });
    await started;
    expect(log.at(-1)).toBe('setRemote server-answer');
  });

  it('offers a data channel first and answers server offers one at a time, in order', async () => {
    const started = subscriber.start();
    const first = subscriber.handleOffer({
      type: 'subscriber-offer',
      sdp: 'remote-offer:1',
      tracks: [{ mid: '1', participantId: 'alice', source: 'camera', kind: 'video' }],
    });
    const second = subscriber.handleOffer({ type: 'subscriber-offer', sdp: 'remote-offer:1,2', tracks: [] });
    await settle();
    // Nothing of the server's offers is applied while the first subscribe is unanswered.
    expect(log).toEqual(['datachannel parley', 'setLocal local-offer-1', 'request subscribe local-offer-1']);

    signaling.requests[0]?.answer.resolve({ sdp: 'server-answer' });
    await started;
    await settle();
    expect(log.slice(3)).toEqual([
      'setRemote server-answer',
      'setRemote remote-offer:1',
      'setLocal local-answer',
      'request subscriber-answer local-answer',
    ]);

    // The second offer waits until the first answer was accepted.
    signaling.requests[1]?.answer.resolve({});
    await first;
    await settle();
    expect(log.slice(7)).toEqual([
      'setRemote remote-offer:1,2',
      'setLocal local-answer',
      'request subscriber-answer local-answer',
    ]);
    signaling.requests[2]?.answer.resolve({});
    await second;
  });

  it('routes tracks by the latest list and drops those that left it', async () => {
    const started = subscriber.start();
    await settle();
    signaling.requests[0]?.answer.resolve({ sdp: 'server-answer' });
    await started;

    const offer = subscriber.handleOffer({
      type: 'subscriber-offer',
      sdp: 'remote-offer:1,2',
      tracks: [
        { mid: '1', participantId: 'alice', source: 'mic', kind: 'audio' },
        { mid: '2', participantId: 'bob', source: 'camera', kind: 'video' },
      ],
    });
    await settle();
    signaling.requests[1]?.answer.resolve({});
    await offer;
    const afterFirst = routed.at(-1);
    expect(afterFirst?.get('alice')?.mic).toEqual({ id: 'remote-1' });
    expect(afterFirst?.get('bob')?.camera).toEqual({ id: 'remote-2' });

    const removal = subscriber.handleOffer({
      type: 'subscriber-offer',
      sdp: 'remote-offer:1,2',
      tracks: [{ mid: '1', participantId: 'alice', source: 'mic', kind: 'audio' }],
    });
    await settle();
    signaling.requests[2]?.answer.resolve({});
    await removal;
    const afterRemoval = routed.at(-1);
    expect(afterRemoval?.has('bob')).toBe(false);
    expect(afterRemoval?.get('alice')?.mic).toEqual({ id: 'remote-1' });
  });

  it('keeps answering later offers after one failed', async () => {
    const started = subscriber.start();
    await settle();
    signaling.requests[0]?.answer.resolve({ sdp: 'server-answer' });
    await started;
    const failing = subscriber.handleOffer({ type: 'subscriber-offer', sdp: 'remote-offer:', tracks: [] });
    const next = subscriber.handleOffer({ type: 'subscriber-offer', sdp: 'remote-offer:', tracks: [] });
    await settle();
    signaling.requests[1]?.answer.reject(new Error('refused'));
    await expect(failing).rejects.toThrow('refused');
    await settle();
    expect(signaling.requests).toHaveLength(3);
    signaling.requests[2]?.answer.resolve({});
    await next;
  });
});

describe('unplayableVideo', () => {
  const track = (
    mid: string,
    participantId: string,
    source: 'camera' | 'screen' | 'mic',
    codec?: 'h264' | 'vp9',
  ) => ({
    mid,
    participantId,
    source,
    kind: source === 'mic' ? ('audio' as const) : ('video' as const),
    ...(codec && { codec }),
  });

  it('lists the video in codecs the browser does not decode, by participant and source', () => {
    const decodable = new Set(['video/vp8', 'video/vp9']);
    const tracks = [
      track('0', 'ann', 'camera', 'h264'),
      track('1', 'ann', 'screen', 'h264'),
      track('2', 'ann', 'mic'),
      track('3', 'bob', 'camera', 'vp9'),
      track('4', 'cy', 'camera'),
    ];
    expect(unplayableVideo(tracks, decodable)).toEqual(
      new Map([['ann', { camera: 'h264', screen: 'h264' }]]),
    );
  });

  it('treats every codec as playable where the browser cannot say', () => {
    expect(unplayableVideo([track('0', 'ann', 'camera', 'h264')], null).size).toBe(0);
  });
});

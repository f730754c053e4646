import { MediaBot } from '@parley/media-bot';
import type { MediaPlaneEvents } from '@parley/sfu';
import { MediaError } from '@parley/sfu';
import { describeMedia, describeOpenNativeHandles, stillOpenNativeHandles } from '@parley/sfu/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-lifecycle';
const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('participants coming and going', () => {
  let harness: MediaHarness;
  let alice: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(ROOM, 'alice');
  });

  afterAll(async () => {
    await harness.close();
  });

  it('leaves no connection, subscription or timer behind after 20 join/leave cycles', async () => {
    for (let cycle = 0; cycle < 20; cycle++) {
      const id = `guest${cycle}`;
      const guest = await harness.join(ROOM, id);
      await waitFor(`alice receiving ${id}`, () => packets(alice, `${id}:camera`) > 0);
      await waitFor(`${id} receiving alice`, () => packets(guest, 'alice:camera') > 0);
      await harness.leave(ROOM, id);
    }
    await waitFor('alice renegotiated the last guest away', () => alice.subscribedTracks().length === 0);
    // Removed m-lines were recycled: alice's subscribe connection holds at most the data channel, one
    // guest's tracks and the previous guest's removed ones (without recycling: 1 + 2 × 20).
    expect(describeMedia(alice.lastOffer()).length).toBeLessThanOrEqual(5);
    // A delayed key frame request (throttling) may still be pending; it fires within a second.
    await waitFor('pending timers fired', () => harness.plane.stats().timers === 0);
    expect(harness.plane.stats()).toMatchObject({
      participants: 1,
      peerConnections: 2,
      publishedTracks: 2,
      subscriptions: 0,
      timers: 0,
    });

    await harness.leave(ROOM, 'alice');
    harness.plane.closeRoom(ROOM);
    expect(harness.plane.stats()).toMatchObject({
      rooms: 0,
      participants: 0,
      peerConnections: 0,
      publishedTracks: 0,
      subscriptions: 0,
      timers: 0,
    });
    // Every libdatachannel track and data channel closed, by the SFU and the bots or natively: none
    // left open. The native threads report it asynchronously, slower on a loaded machine: the deadline
    // is generous, the condition exact.
    const stillWaiting = () => `still waiting for: ${describeOpenNativeHandles().join(' | ')}`;
    await waitFor('native tracks and data channels closed', () => stillOpenNativeHandles() === 0, {
      timeoutMs: 20_000,
      explain: stillWaiting,
    });
    // Their closed callbacks mostly follow within milliseconds, but not always: a handle closed here
    // while libdatachannel closes it from the other side may never get one (native-handles.ts; seen
    // 2 times in ~50 runs, a bot's data channel each time). It is closed all the same; it stays retained.
    expect(harness.errors).toEqual([]);
  }, 40_000);
});

describe('requests the media plane refuses', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(ROOM, 'alice');
    bob = await harness.join(ROOM, 'bob');
    await waitFor('alice receiving bob', () => packets(alice, 'bob:camera') > 0);
    harness.plane.addParticipant(ROOM, 'mallory');
  });

  afterAll(async () => {
    await harness.close();
  });

  const refusal = async (promise: Promise<unknown>, code: string, message: RegExp) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).code).toBe(code);
    expect((error as MediaError).message).toMatch(message);
  };

  it('rejects malformed SDP with a clear error, without harming the running room', async () => {
    const plane = harness.plane;
    const before = plane.stats();
    await refusal(plane.publish(ROOM, 'mallory', 'not sdp', []), 'bad-sdp', /does not start with "v=0"/);
    await refusal(
      plane.publish(ROOM, 'mallory', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', []),
      'bad-sdp',
      /no m-line/,
    );
    const noCredentials =
      'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n';
    await refusal(
      plane.publish(ROOM, 'mallory', noCredentials, [{ mid: '0', source: 'mic' }]),
      'bad-sdp',
      /session description is malformed/,
    );
    await refusal(
      plane.publish(ROOM, 'mallory', noCredentials, [{ mid: '7', source: 'mic' }]),
      'bad-sdp',
      /no audio\/video m-line with mid "7"/,
    );
    await refusal(
      plane.publish(ROOM, 'mallory', noCredentials, [{ mid: '0', source: 'camera' }]),
      'bad-sdp',
      /carries audio, not camera/,
    );
    await refusal(plane.subscribe(ROOM, 'mallory', noCredentials), 'bad-sdp', /must contain a data channel/);
    await refusal(
      plane.subscriberAnswer(ROOM, 'mallory', noCredentials),
      'wrong-state',
      /no subscribe connection/,
    );
    await refusal(
      plane.subscriberAnswer(ROOM, 'alice', noCredentials),
      'wrong-state',
      /No subscriber offer is waiting/,
    );
    await refusal(
      plane.publish(ROOM, 'nobody', noCredentials, []),
      'unknown-participant',
      /not in this room/,
    );
    await refusal(
      plane.subscribe('no-such-room', 'alice', noCredentials),
      'unknown-participant',
      /room is not open/,
    );

    // Nothing was created for the refused requests, and the room still forwards.
    expect(plane.stats()).toMatchObject({
      peerConnections: before.peerConnections,
      publishedTracks: 4,
      subscriptions: 4,
    });
    const seen = packets(alice, 'bob:camera');
    await waitFor('alice still receiving bob', () => packets(alice, 'bob:camera') > seen + 30);
    expect(harness.errors).toEqual([]);
  });

  it('reports a subscribe connection that the client closed', async () => {
    const closed: MediaPlaneEvents['connection-closed'][] = [];
    harness.plane.on('connection-closed', (event) => closed.push(event));
    await bob.close();
    // The subscribe connection's data channel (SCTP) notices at once. A publish connection has no
    // data channel: libdatachannel usually reports it only when ICE consent expires (about 30 s).
    // (Either may be reported first: the publish connection too, when its DTLS close alert is quick.)
    await waitFor('bob’s subscribe connection reported closed', () =>
      closed.some((event) => event.direction === 'subscribe'),
    );
    expect(closed).toContainEqual({ roomId: ROOM, participantId: 'bob', direction: 'subscribe' });
    expect(closed.every((event) => event.participantId === 'bob')).toBe(true);
    // Bob no longer receives: alice's tracks are not forwarded to him any more. (When the DTLS close
    // alert gets through, his publish connection is reported at once too.)
    const publishClosed = closed.some((event) => event.direction === 'publish');
    expect(harness.plane.stats()).toMatchObject(
      publishClosed
        ? { peerConnections: 2, publishedTracks: 2, subscriptions: 0 }
        : { peerConnections: 3, publishedTracks: 4, subscriptions: 2 },
    );
    harness.plane.removeParticipant(ROOM, 'bob');
    await waitFor('bob’s tracks removed at alice', () => alice.subscribedTracks().length === 0);
    expect(harness.plane.stats()).toMatchObject({ peerConnections: 2, publishedTracks: 2, subscriptions: 0 });
  });
});

describe('closing', () => {
  it('closeRoom and close() free every connection, even mid-negotiation', async () => {
    const harness = new MediaHarness();
    await harness.join('a', 'p1');
    await harness.join('a', 'p2');
    await harness.join('b', 'p3');
    // A participant whose offers are never answered (its negotiation stays pending).
    harness.plane.addParticipant('b', 'silent');
    const silent = new MediaBot({
      publish: (sdp, tracks) => harness.plane.publish('b', 'silent', sdp, tracks),
      subscribe: (sdp) => harness.plane.subscribe('b', 'silent', sdp),
      subscriberAnswer: async () => {},
    });
    await silent.startSubscribing();
    expect(harness.plane.stats()).toMatchObject({ rooms: 2, participants: 4, peerConnections: 7 });

    harness.plane.closeRoom('a');
    expect(harness.plane.stats()).toMatchObject({ rooms: 1, participants: 2, peerConnections: 3 });
    await silent.close();
    await harness.close();
    expect(harness.plane.stats()).toMatchObject({ rooms: 0, participants: 0, peerConnections: 0, timers: 0 });
    await expect(harness.plane.publish('b', 'p3', 'v=0', [])).rejects.toThrow(/closed/);
  });
});

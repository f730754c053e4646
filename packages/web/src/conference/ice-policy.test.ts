import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionConfig } from './certificate';
import type { SignalingClient } from './signaling';
import { Subscriber } from './subscriber';
import { FakePeerConnection, FakeSignaling, settle } from './testing/fake-webrtc';

/** PARLEY_ICE_RELAY_ONLY reaches both peer connections as iceTransportPolicy "relay". */
describe('the ICE transport policy from the joined event', () => {
  const turn: RTCIceServer[] = [{ urls: ['turn:turn.example:3478'], username: '1:x', credential: 'c' }];

  it('sets the publish connection’s policy, "all" unless the server says "relay"', () => {
    expect(connectionConfig(turn, null)).toMatchObject({ iceServers: turn, iceTransportPolicy: 'all' });
    expect(connectionConfig(turn, null, 'relay')).toMatchObject({
      iceServers: turn,
      iceTransportPolicy: 'relay',
    });
  });

  describe('the subscribe connection', () => {
    let log: string[];
    let signaling: FakeSignaling;

    beforeEach(() => {
      log = [];
      FakePeerConnection.sharedLog = log;
      FakePeerConnection.instances = [];
      vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
      signaling = new FakeSignaling(log);
    });
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('is made before the policy is known and takes it at start, before its offer is applied', async () => {
      const subscriber = new Subscriber(signaling as unknown as SignalingClient, connectionConfig([], null), {
        onTracks: () => {},
        onFailed: () => {},
      });
      subscriber.prepare();
      void subscriber.start(turn, 'relay');
      await settle();
      const pc = FakePeerConnection.instances[0];
      expect(pc?.getConfiguration()).toMatchObject({ iceServers: turn, iceTransportPolicy: 'relay' });
      const configured = log.indexOf(`setConfiguration ${JSON.stringify(turn)}`);
      expect(configured).toBeGreaterThanOrEqual(0);
      expect(configured).toBeLessThan(log.findIndex((line) => line.startsWith('setLocal')));
      subscriber.close();
    });
  });
});

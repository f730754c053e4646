import type { SubscribedTrack } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { routeTracks, sameRouting } from './track-routing';

const list: SubscribedTrack[] = [
  { mid: '1', participantId: 'alice', source: 'mic', kind: 'audio' },
  { mid: '2', participantId: 'alice', source: 'camera', kind: 'video' },
  { mid: '3', participantId: 'bob', source: 'screen', kind: 'video' },
];

describe('routeTracks', () => {
  it('gives each listed mid to its participant and source', () => {
    const routes = routeTracks(list, [
      { mid: '0', track: 'datachannel?' },
      { mid: '1', track: 'A-mic' },
      { mid: '2', track: 'A-cam' },
      { mid: '3', track: 'B-screen' },
    ]);
    expect(Object.fromEntries(routes)).toEqual({
      alice: { mic: 'A-mic', camera: 'A-cam' },
      bob: { screen: 'B-screen' },
    });
  });

  it('drops transceivers whose mid left the list or has none yet', () => {
    const routes = routeTracks(list.slice(0, 1), [
      { mid: '1', track: 'A-mic' },
      { mid: '2', track: 'A-cam' },
      { mid: null, track: 'new' },
    ]);
    expect(Object.fromEntries(routes)).toEqual({ alice: { mic: 'A-mic' } });
  });

  it('follows a reused mid to its new participant', () => {
    const reused: SubscribedTrack[] = [{ mid: '2', participantId: 'carol', source: 'camera', kind: 'video' }];
    const routes = routeTracks(reused, [{ mid: '2', track: 'T' }]);
    expect(routes.get('carol')).toEqual({ camera: 'T' });
    expect(routes.has('alice')).toBe(false);
  });
});

describe('sameRouting', () => {
  it('compares participants, sources and track identity', () => {
    const a = routeTracks(list, [{ mid: '1', track: 'x' }]);
    expect(sameRouting(a, routeTracks(list, [{ mid: '1', track: 'x' }]))).toBe(true);
    expect(sameRouting(a, routeTracks(list, [{ mid: '1', track: 'y' }]))).toBe(false);
    expect(sameRouting(a, routeTracks(list, [{ mid: '2', track: 'x' }]))).toBe(false);
    expect(sameRouting(a, new Map())).toBe(false);
  });
});

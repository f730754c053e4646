import { describe, expect, it } from 'vitest';
import { ServerEvent, SimulcastLayersEvent, VideoBandwidthPauseEvent } from './index.js';

describe('video-bandwidth-pause (issue 18)', () => {
  it('names the publisher’s video and whether it is paused, and is a server event', () => {
    const event = { type: 'video-bandwidth-pause', participantId: 'p2', source: 'screen', paused: false };
    expect(VideoBandwidthPauseEvent.parse(event)).toEqual(event);
    expect(ServerEvent.parse(event)).toEqual(event);
  });

  it('refuses a message without a state, of an unknown source or with extra words as the state', () => {
    const valid = { type: 'video-bandwidth-pause', participantId: 'p2', source: 'camera', paused: true };
    const { paused: _, ...withoutState } = valid;
    for (const bad of [withoutState, { ...valid, source: 'projector' }, { ...valid, paused: 'yes' }])
      expect(VideoBandwidthPauseEvent.safeParse(bad).success).toBe(false);
    expect(VideoBandwidthPauseEvent.safeParse({ ...valid, participantId: '' }).success).toBe(false);
  });
});

describe('simulcast-layers (dynacast)', () => {
  it('names the publisher’s source and one flag per encoding, and is a server event', () => {
    const event = { type: 'simulcast-layers', source: 'camera', active: [true, false, true] };
    expect(SimulcastLayersEvent.parse(event)).toEqual(event);
    expect(ServerEvent.parse(event)).toEqual(event);
  });

  it('refuses no flags, more than three, flags that are not booleans, an unknown source', () => {
    const valid = { type: 'simulcast-layers', source: 'camera', active: [true] };
    for (const bad of [
      { ...valid, active: [] },
      { ...valid, active: [true, true, true, true] },
      { ...valid, active: ['yes'] },
      { ...valid, source: 'projector' },
    ])
      expect(SimulcastLayersEvent.safeParse(bad).success).toBe(false);
  });
});

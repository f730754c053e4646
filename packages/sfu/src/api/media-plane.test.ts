import { afterAll, describe, expect, it } from 'vitest';
import { Sfu } from '../room/sfu.js';
import { MediaWorkerPool } from '../worker/media-worker-pool.js';
import { createJsonLogger } from './json-logger.js';
import { MediaError } from './media-error.js';
import type { MediaPlane } from './media-plane.js';

/**
 * How MediaPlane calls fail (api/media-plane.ts) is the same in both implementations: the one in
 * this thread (Sfu) and the one on worker threads (MediaWorkerPool).
 */
const silent = createJsonLogger('silent', () => {});

/** A plane on a random UDP port below Linux's ephemeral range (another one when it is taken). */
async function start(kind: 'Sfu' | 'MediaWorkerPool'): Promise<MediaPlane> {
  for (let attempt = 1; ; attempt++) {
    const rtcPort = 20000 + 2 * Math.floor(Math.random() * 6000);
    const options = { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort };
    try {
      if (kind === 'Sfu') return new Sfu(options, silent);
      const pool = new MediaWorkerPool(options, 1, silent);
      await pool.ready().catch(async (error: unknown) => {
        await pool.close();
        throw error;
      });
      return pool;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

const refusal = (code: string) => expect.objectContaining({ name: 'MediaError', code });

const planes: MediaPlane[] = [];
afterAll(async () => {
  await Promise.all(planes.map((plane) => plane.close()));
});

describe.each(['Sfu', 'MediaWorkerPool'] as const)('%s: how calls fail', (kind) => {
  it('refuses a participant of another room at once, ignores unknown ids, rejects negotiations of unknown rooms', async () => {
    const plane = await start(kind);
    planes.push(plane);
    plane.openRoom('room-a');
    plane.addParticipant('room-a', 'alice');
    expect(() => plane.addParticipant('room-b', 'alice')).toThrow(MediaError);
    expect(() => plane.addParticipant('room-b', 'alice')).toThrow(refusal('wrong-state'));
    expect(() => plane.setAudioHeld('room-a', 'nobody', true)).not.toThrow();
    expect(() => plane.setVideoSize('no-room', 'alice', 'bob', 'camera', 640, 360)).not.toThrow();
    expect(() => plane.setVideoReception('no-room', 'alice', 'low')).not.toThrow();
    expect(() => plane.requestKeyframes('no-room')).not.toThrow();
    await expect(plane.publish('no-room', 'alice', 'v=0', [])).rejects.toEqual(
      refusal('unknown-participant'),
    );
    await expect(plane.subscribe('no-room', 'alice', 'v=0')).rejects.toEqual(refusal('unknown-participant'));
  });

  it('after close(): every command throws MediaError closed at once, negotiations reject with it', async () => {
    const plane = await start(kind);
    plane.openRoom('room-a');
    plane.addParticipant('room-a', 'alice');
    await plane.close();
    expect(() => plane.openRoom('room-a')).toThrow(refusal('closed'));
    expect(() => plane.addParticipant('room-a', 'bob')).toThrow(refusal('closed'));
    expect(() => plane.setAudioHeld('room-a', 'alice', true)).toThrow(refusal('closed'));
    expect(() => plane.setSpeakerState('room-a', 'alice', { muted: true, moderator: false })).toThrow(
      refusal('closed'),
    );
    expect(() => plane.setVideoSize('room-a', 'alice', 'bob', 'camera', 640, 360)).toThrow(refusal('closed'));
    expect(() => plane.setVideoReception('room-a', 'alice', 'off')).toThrow(refusal('closed'));
    expect(() => plane.requestKeyframes('room-a')).toThrow(refusal('closed'));
    await expect(plane.publish('room-a', 'alice', 'v=0', [])).rejects.toEqual(refusal('closed'));
    await expect(plane.subscriberAnswer('room-a', 'alice', 'v=0')).rejects.toEqual(refusal('closed'));
    // Closing what is gone does nothing.
    expect(() => plane.removeParticipant('room-a', 'alice')).not.toThrow();
    expect(() => plane.closeRoom('room-a')).not.toThrow();
  });
});

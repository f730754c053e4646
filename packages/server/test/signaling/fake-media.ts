import type { MediaPlane, MediaPlaneEvents } from '@parley/sfu';

/** A media plane that answers every negotiation with a fixed SDP and records the commands it gets. */
export function fakeMedia() {
  const calls: string[] = [];
  const listeners = new Map<string, ((payload: unknown) => void)[]>();
  const media: MediaPlane = {
    openRoom: (roomId) => calls.push(`open ${roomId}`),
    closeRoom: (roomId) => calls.push(`close ${roomId}`),
    addParticipant: (_roomId, id) => calls.push(`add ${id}`),
    removeParticipant: (_roomId, id) => calls.push(`remove ${id}`),
    publish: async (_roomId, _id, sdp) => {
      if (!sdp.startsWith('v=0')) throw new Error('not an SDP offer');
      return 'v=0 answer';
    },
    subscribe: async () => 'v=0 answer',
    subscriberAnswer: async () => {},
    requestKeyframes: (roomId) => calls.push(`keyframes ${roomId}`),
    setVideoSize: (_roomId, subscriberId, participantId, source, width, height) =>
      calls.push(`size ${subscriberId} ${participantId} ${source} ${width}x${height}`),
    setVideoReception: (_roomId, id, mode) => calls.push(`video-reception ${id} ${mode}`),
    setAudioHeld: (_roomId, id, held) => calls.push(`audio ${id} ${held ? 'off' : 'on'}`),
    setSpeakerState: (_roomId, id, state) =>
      calls.push(
        `speaker ${id} ${state.muted ? 'muted' : 'open'} ${state.moderator ? 'moderator' : 'participant'}`,
      ),
    on: (event, listener) => {
      listeners.set(event, [...(listeners.get(event) ?? []), listener as (payload: unknown) => void]);
    },
    off: () => {},
    stats: () => ({
      rooms: 0,
      participants: 0,
      peerConnections: 0,
      publishedTracks: 0,
      subscriptions: 0,
      timers: 0,
      packetsForwarded: 0,
      bytesForwarded: 0,
    }),
    close: async () => {},
  };
  const emit = <E extends keyof MediaPlaneEvents>(event: E, payload: MediaPlaneEvents[E]) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  return { media, calls, emit };
}

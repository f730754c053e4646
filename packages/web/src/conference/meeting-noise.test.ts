import type { ParticipantInfo } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from './testing/fake-socket';
import { FakePeerConnection, settle } from './testing/fake-webrtc';

/** A microphone track: enabled is what muting changes. */
class FakeTrack extends EventTarget {
  enabled = true;
  stopped = false;
  constructor(
    readonly kind: 'audio' | 'video',
    readonly id: string,
  ) {
    super();
  }
  stop(): void {
    this.stopped = true;
  }
}

class FakeMediaStream {
  private readonly tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = []) {
    this.tracks = [...tracks];
  }
  addTrack(track: FakeTrack): void {
    this.tracks.push(track);
  }
  removeTrack(track: FakeTrack): void {
    this.tracks.splice(this.tracks.indexOf(track), 1);
  }
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((track) => track.kind === 'audio');
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((track) => track.kind === 'video');
  }
}

// RNNoise needs a browser; here a suppressor that hands out a new "cleaned" track per start.
const started: { input: FakeTrack; output: FakeTrack; closed: boolean }[] = [];
vi.mock('../media-processing/rnnoise-suppressor', () => ({
  startRnnoise: async (input: FakeTrack) => {
    const entry = { input, output: new FakeTrack('audio', `clean-${started.length}`), closed: false };
    started.push(entry);
    return {
      input,
      output: entry.output,
      close: () => {
        entry.closed = true;
      },
    };
  },
}));

const { LocalMedia } = await import('./local-media');
const { Meeting } = await import('./meeting');

const person = (id: string, displayName: string, role: 'moderator' | 'participant'): ParticipantInfo => ({
  id,
  displayName,
  role,
  tracks: [],
  hardMuted: false,
  unmuteRequested: false,
});

/** The track the meeting's publish connection sends as its audio, and how many offers it made. */
function sentAudio(): { track: FakeTrack | null; offers: number } {
  for (const pc of FakePeerConnection.instances) {
    const audio = pc.transceivers.find((t) => (t.sender.track as FakeTrack | null)?.kind === 'audio');
    if (audio) {
      const offers = (pc as unknown as { offers: number }).offers;
      return { track: audio.sender.track as FakeTrack, offers };
    }
  }
  return { track: null, offers: 0 };
}

describe('Meeting: noise suppression on the sent microphone', () => {
  beforeEach(() => {
    started.length = 0;
    FakePeerConnection.instances = [];
    FakePeerConnection.sharedLog = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('location', { protocol: 'http:', host: 'parley.test' });
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpSender', { getCapabilities: () => null });
    vi.stubGlobal('MediaStream', FakeMediaStream);
    let n = 0;
    vi.stubGlobal('navigator', {
      mediaDevices: {
        getUserMedia: async (constraints: MediaStreamConstraints) =>
          new FakeMediaStream(constraints.audio ? [new FakeTrack('audio', `raw-${n++}`)] : []),
      },
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('publishes the cleaned track, and switching swaps the track without a new offer', async () => {
    const local = new LocalMedia({ mic: true, camera: false });
    await local.ready;
    const meeting = new Meeting('team', 'Gina', local, {});
    void meeting.join();
    FakeSocket.last.open();
    await settle();
    const socket = FakeSocket.last;
    const join = socket.sent.find((message) => message.type === 'join');
    socket.receive({
      type: 'event',
      event: {
        type: 'joined',
        self: person('p-self', 'Gina', 'participant'),
        participants: [person('p-host', 'Hana', 'moderator')],
        iceServers: [],
        resumeToken: 'resume-1',
      },
    });
    socket.receive({ type: 'response', id: join?.id, ok: true, result: { status: 'joined' } });

    await vi.waitFor(() => expect(sentAudio().track?.id).toBe('clean-0'));
    // The server answers the offer that published it; later switches must not need another.
    const publish = await vi.waitFor(() => {
      const request = socket.sent.find((message) => message.type === 'publish');
      if (!request) throw new Error('no publish request yet');
      return request;
    });
    socket.receive({ type: 'response', id: publish.id, ok: true, result: { sdp: 'remote-answer' } });
    await settle();
    const raw = local.mic.track as unknown as FakeTrack;
    expect(started[0]?.input).toBe(raw);
    const offers = sentAudio().offers;

    meeting.setNoiseSuppression(false);
    await vi.waitFor(() => expect(sentAudio().track).toBe(raw));
    expect(started[0]?.closed).toBe(true);
    expect(local.noise.state.get()).toMatchObject({ wanted: false, running: false });

    meeting.setNoiseSuppression(true);
    await vi.waitFor(() => expect(sentAudio().track?.id).toBe('clean-1'));
    expect(sentAudio().offers).toBe(offers);
    expect(socket.sent.filter((message) => message.type === 'publish')).toHaveLength(1);

    // Muting disables the raw track, which is what the cleaned one is made from.
    meeting.toggleMic();
    await vi.waitFor(() => expect(raw.enabled).toBe(false));

    meeting.leave();
    expect(started[1]?.closed).toBe(true);
  });
});

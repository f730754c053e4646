import type { ParticipantInfo } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalMedia } from './local-media';
import { setLowData } from './low-data';
import { Meeting } from './meeting';
import { FakeSocket } from './testing/fake-socket';
import { FakePeerConnection, settle } from './testing/fake-webrtc';

/** A microphone or camera track: enabled is what muting changes. */
class FakeTrack extends EventTarget {
  enabled = true;
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {}
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

const person = (
  id: string,
  displayName: string,
  role: 'moderator' | 'participant' = 'participant',
): ParticipantInfo => ({
  id,
  displayName,
  role,
  tracks: [],
  hardMuted: false,
  unmuteRequested: false,
});
const SELF = person('p-self', 'Gina');
const HOST = person('p-host', 'Hana', 'moderator');

const event = (body: Record<string, unknown>) => ({ type: 'event', event: body });

interface Started {
  meeting: Meeting;
  socket: FakeSocket;
  /** The join request as sent. */
  join: Record<string, unknown>;
}

/** A meeting whose join request has been sent; the test answers it. */
async function startJoining(options: ConstructorParameters<typeof Meeting>[3] = {}): Promise<Started> {
  const local = new LocalMedia({ mic: true, camera: false });
  await local.ready;
  const meeting = new Meeting('team', 'Gina', local, options);
  const joining = meeting.join();
  FakeSocket.last.open();
  await settle();
  const socket = FakeSocket.last;
  const join = socket.sent.find((message) => message.type === 'join');
  if (!join) throw new Error('no join request');
  void joining;
  return { meeting, socket, join };
}

async function joined(): Promise<Started> {
  const started = await startJoining();
  started.socket.receive(
    event({
      type: 'joined',
      self: SELF,
      participants: [HOST],
      iceServers: [],
      settings: undefined,
      resumeToken: 'resume-1',
    }),
  );
  started.socket.receive({ type: 'response', id: started.join.id, ok: true, result: { status: 'joined' } });
  await settle();
  return started;
}

function lastRequest(socket: FakeSocket, type: string): Record<string, unknown> | undefined {
  return socket.sent.filter((message) => message.type === type).at(-1);
}

describe('Meeting: participation control and chat', () => {
  beforeEach(() => {
    FakePeerConnection.instances = [];
    FakePeerConnection.sharedLog = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('location', { protocol: 'http:', host: 'parley.test' });
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpSender', { getCapabilities: () => null });
    vi.stubGlobal('MediaStream', FakeMediaStream);
    vi.stubGlobal('navigator', {
      mediaDevices: {
        getUserMedia: async (constraints: MediaStreamConstraints) =>
          new FakeMediaStream([
            ...(constraints.audio ? [new FakeTrack('audio')] : []),
            ...(constraints.video ? [new FakeTrack('video')] : []),
          ]),
      },
    });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('asks for audio only before subscribing, and for video again when switched back', async () => {
    setLowData({ receiveVideo: false });
    try {
      const { socket } = await joined();
      const types = socket.sent.map((message) => message.type);
      expect(types).toContain('subscribe');
      expect(types.indexOf('video-reception')).toBeGreaterThanOrEqual(0);
      expect(types.indexOf('video-reception')).toBeLessThan(types.indexOf('subscribe'));
      expect(lastRequest(socket, 'video-reception')).toMatchObject({ mode: 'off' });
      setLowData({ dataSaver: true });
      expect(socket.sent.filter((message) => message.type === 'video-reception')).toHaveLength(1);
      setLowData({ receiveVideo: true });
      expect(lastRequest(socket, 'video-reception')).toMatchObject({ mode: 'low' });
    } finally {
      setLowData({ receiveVideo: true, dataSaver: false, sendVideo: true });
    }
  });

  it('sends nothing about video reception when nothing was changed', async () => {
    const { socket } = await joined();
    expect(socket.sent.some((message) => message.type === 'video-reception')).toBe(false);
  });

  it('sends the client key, invitation and password with the join', async () => {
    const { join } = await startJoining({ clientKey: 'k'.repeat(32), invitation: 'tok', password: 'pw' });
    expect(join).toMatchObject({
      room: 'team',
      displayName: 'Gina',
      clientKey: 'k'.repeat(32),
      invitation: 'tok',
      password: 'pw',
    });
    const plain = await startJoining();
    expect(Object.keys(plain.join)).not.toContain('password');
    expect(Object.keys(plain.join)).not.toContain('invitation');
  });

  it('turns a refused password into a failure with its code and the wait time', async () => {
    const { meeting, socket, join } = await startJoining({ password: 'guess' });
    socket.receive({
      type: 'response',
      id: join.id,
      ok: false,
      error: { code: 'rate-limited', message: 'Wait.', retryAfterSeconds: 12 },
    });
    await settle();
    expect(meeting.state.get()).toMatchObject({
      phase: 'failed',
      failure: { reason: 'rate-limited', retryAfterSeconds: 12 },
    });
  });

  it('waits in the lobby until admitted, then joins', async () => {
    const { meeting, socket, join } = await startJoining();
    socket.receive({ type: 'response', id: join.id, ok: true, result: { status: 'lobby' } });
    await settle();
    expect(meeting.state.get().phase).toBe('lobby');
    socket.receive(
      event({ type: 'joined', self: SELF, participants: [HOST], iceServers: [], resumeToken: 'resume-1' }),
    );
    await settle();
    expect(meeting.state.get().phase).toBe('joined');
  });

  it('reports being turned away from the lobby, and not as a lost connection', async () => {
    const { meeting, socket, join } = await startJoining();
    socket.receive({ type: 'response', id: join.id, ok: true, result: { status: 'lobby' } });
    socket.receive(event({ type: 'join-denied', reason: 'denied' }));
    socket.drop();
    await settle();
    expect(meeting.state.get()).toMatchObject({ phase: 'failed', failure: { reason: 'denied' } });
  });

  it('ends the meeting for us when a moderator removes us, and frees the devices', async () => {
    const { meeting, socket } = await joined();
    const mic = meeting.local.mic.track;
    const stop = vi.spyOn(mic as unknown as FakeTrack, 'stop');
    socket.receive(event({ type: 'removed' }));
    socket.drop();
    await settle();
    expect(meeting.state.get()).toMatchObject({ phase: 'ended', endReason: 'removed' });
    expect(stop).toHaveBeenCalled();
  });

  it('marks a video the server paused for our bandwidth until it resumes or its sender leaves', async () => {
    const { meeting, socket } = await joined();
    const paused = () => meeting.state.get().pausedVideo.get(HOST.id);
    socket.receive(
      event({ type: 'video-bandwidth-pause', participantId: HOST.id, source: 'camera', paused: true }),
    );
    await settle();
    expect(paused()).toEqual({ camera: true });
    socket.receive(
      event({ type: 'video-bandwidth-pause', participantId: HOST.id, source: 'camera', paused: false }),
    );
    await settle();
    expect(paused()).toBeUndefined();
    socket.receive(
      event({ type: 'video-bandwidth-pause', participantId: HOST.id, source: 'screen', paused: true }),
    );
    socket.receive(event({ type: 'participant-left', participantId: HOST.id }));
    await settle();
    expect(meeting.state.get().pausedVideo.size).toBe(0);
  });

  it('really mutes the microphone when a moderator mutes us', async () => {
    const { meeting, socket } = await joined();
    expect(meeting.local.mic.on).toBe(true);
    socket.receive(event({ type: 'muted-by-moderator', hard: false }));
    await settle();
    expect(meeting.local.mic.on).toBe(false);
    expect(meeting.local.mic.track?.enabled).toBe(false);
    expect(meeting.state.get().notices.map((notice) => notice.key)).toEqual(['moderation.muted']);
    // A soft mute: we may unmute ourselves.
    meeting.toggleMic();
    await settle();
    expect(meeting.local.mic.on).toBe(true);
  });

  it('asks to unmute instead of unmuting while hard-muted, until a moderator allows it', async () => {
    const { meeting, socket } = await joined();
    socket.receive(event({ type: 'muted-by-moderator', hard: true }));
    await settle();
    expect(meeting.state.get().self?.hardMuted).toBe(true);

    meeting.toggleMic();
    await settle();
    expect(meeting.local.mic.on).toBe(false);
    const ask = lastRequest(socket, 'request-unmute');
    expect(ask).toBeDefined();
    socket.receive({ type: 'response', id: ask?.id, ok: true, result: {} });
    await settle();
    expect(meeting.state.get().self?.unmuteRequested).toBe(true);

    socket.receive(event({ type: 'unmute-allowed' }));
    meeting.toggleMic();
    await settle();
    expect(meeting.state.get().self?.hardMuted).toBe(false);
    expect(meeting.local.mic.on).toBe(true);
  });

  it('tells moderators once about each person who starts knocking', async () => {
    const { meeting, socket } = await joined();
    const knock = (ids: string[]) =>
      socket.receive(
        event({ type: 'lobby-updated', entries: ids.map((id) => ({ id, displayName: `Guest ${id}` })) }),
      );
    knock(['a']);
    knock(['a', 'b']);
    knock(['b']);
    expect(meeting.state.get().lobby).toEqual([{ id: 'b', displayName: 'Guest b' }]);
    expect(meeting.state.get().notices.map((notice) => notice.params?.name)).toEqual(['Guest a', 'Guest b']);
    expect(meeting.state.get().announcement?.text).toBe('Guest b is waiting in the lobby.');
  });

  it('follows the lobby from the changes the server sends after the whole queue', async () => {
    const { meeting, socket } = await joined();
    const entry = (id: string) => ({ id, displayName: `Guest ${id}` });
    socket.receive(event({ type: 'lobby-updated', entries: [entry('a')] }));
    socket.receive(event({ type: 'lobby-changed', added: [entry('b'), entry('c')], removed: [] }));
    socket.receive(event({ type: 'lobby-changed', added: [], removed: ['a'] }));
    // A repeated arrival is not shown twice.
    socket.receive(event({ type: 'lobby-changed', added: [entry('c')], removed: ['b'] }));
    expect(meeting.state.get().lobby).toEqual([entry('c')]);
    expect(meeting.state.get().notices.map((notice) => notice.params?.count ?? notice.params?.name)).toEqual([
      'Guest a',
      2,
    ]);
  });

  it('keeps the chat in step with the server and counts unread messages', async () => {
    const { meeting, socket } = await joined();
    const message = (id: string, from: string) => ({
      id,
      from,
      fromName: from === HOST.id ? 'Hana' : 'Gina',
      to: null,
      text: `hello ${id}`,
      sentAt: 1,
    });
    socket.receive(event({ type: 'chat-message', message: message('m1', HOST.id) }));
    expect(meeting.chat.log.get().unread).toEqual(['m1']);
    expect(meeting.state.get().announcement?.text).toBe('Hana wrote: hello m1');

    const sending = meeting.chat.send('  mine  ', null);
    const request = lastRequest(socket, 'chat-send');
    expect(request).toMatchObject({ text: 'mine' });
    expect(request).not.toHaveProperty('to');
    socket.receive(event({ type: 'chat-message', message: { ...message('m2', SELF.id), text: 'mine' } }));
    socket.receive({ type: 'response', id: request?.id, ok: true, result: { messageId: 'm2' } });
    await sending;
    expect(meeting.chat.log.get().messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(meeting.chat.log.get().unread).toEqual(['m1']);

    socket.receive(event({ type: 'chat-deleted', messageId: 'm1' }));
    expect(meeting.chat.log.get()).toEqual({ messages: [expect.objectContaining({ id: 'm2' })], unread: [] });
    socket.receive(event({ type: 'chat-cleared' }));
    expect(meeting.chat.log.get().messages).toEqual([]);
  });

  it('applies a setting as soon as the server accepted it', async () => {
    const { meeting, socket } = await joined();
    const done = meeting.moderation.setLobby(true);
    const request = lastRequest(socket, 'set-lobby');
    expect(request).toMatchObject({ enabled: true });
    socket.receive({ type: 'response', id: request?.id, ok: true, result: {} });
    await done;
    expect(meeting.state.get().settings.lobbyEnabled).toBe(true);

    const refused = meeting.moderation.setPassword('secret');
    const passwordRequest = lastRequest(socket, 'set-password');
    socket.receive({
      type: 'response',
      id: passwordRequest?.id,
      ok: false,
      error: { code: 'forbidden', message: 'Moderators only.' },
    });
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
    expect(meeting.state.get().settings.passwordSet).toBe(false);
  });

  describe('after the connection drops', () => {
    /** The socket a reconnection attempt opens (after its back-off), opened. */
    async function nextSocket(before: FakeSocket): Promise<FakeSocket> {
      await vi.waitFor(() => expect(FakeSocket.last).not.toBe(before), { timeout: 3000 });
      FakeSocket.last.open();
      await settle();
      return FakeSocket.last;
    }

    it('gets back in on its own with the resume token, then publishes and subscribes again', async () => {
      const { meeting, socket } = await joined();
      const connections = FakePeerConnection.instances.length;
      socket.receive(event({ type: 'resume-token', token: 'resume-2' }));
      socket.drop();
      await settle();
      expect(meeting.state.get()).toMatchObject({ phase: 'joined', connection: 'reconnecting' });

      const again = await nextSocket(socket);
      const join = lastRequest(again, 'join');
      expect(join).toMatchObject({ room: 'team', displayName: 'Gina', resume: 'resume-2' });
      const back = { ...SELF, id: 'p-self-2' };
      again.receive(
        event({ type: 'joined', self: back, participants: [HOST], iceServers: [], resumeToken: 'resume-3' }),
      );
      again.receive({ type: 'response', id: join?.id, ok: true, result: { status: 'joined' } });
      await settle();
      expect(meeting.state.get()).toMatchObject({ connection: 'ok', self: { id: 'p-self-2' } });
      expect(meeting.state.get().announcement?.text).toBe('Reconnected.');
      // Both media connections are new, and asked for on the new socket.
      await vi.waitFor(() => expect(lastRequest(again, 'subscribe')).toBeDefined());
      expect(FakePeerConnection.instances.length).toBeGreaterThan(connections);
      meeting.leave();
    });

    it('waits for a moderator to reopen an emptied meeting, then is back in', async () => {
      const { meeting, socket } = await joined();
      socket.drop();
      const again = await nextSocket(socket);
      const join = lastRequest(again, 'join');
      again.receive({ type: 'response', id: join?.id, ok: true, result: { status: 'waiting-for-host' } });
      await settle();
      expect(meeting.state.get()).toMatchObject({ phase: 'joined', connection: 'reconnecting' });
      const back = { ...SELF, id: 'p-self-3' };
      again.receive(
        event({ type: 'joined', self: back, participants: [HOST], iceServers: [], resumeToken: 'resume-4' }),
      );
      await settle();
      expect(meeting.state.get()).toMatchObject({ connection: 'ok', self: { id: 'p-self-3' } });
      meeting.leave();
    });

    it('offers "Rejoin" when the server does not let us straight back in', async () => {
      const { meeting, socket } = await joined();
      socket.drop();
      const again = await nextSocket(socket);
      const join = lastRequest(again, 'join');
      again.receive({ type: 'response', id: join?.id, ok: true, result: { status: 'lobby' } });
      await settle();
      expect(meeting.state.get()).toMatchObject({ phase: 'joined', connection: 'signaling-lost' });
    });

    it('does not come back after being replaced by another connection', async () => {
      const { meeting, socket } = await joined();
      socket.dispatchEvent(Object.assign(new Event('close'), { code: 4006, reason: '' }));
      await settle();
      expect(meeting.state.get().connection).toBe('signaling-lost');
    });

    it('reconnects when a media connection fails, and shows the banner if it fails again soon', async () => {
      const { meeting, socket } = await joined();
      await vi.waitFor(() => expect(lastRequest(socket, 'subscribe')).toBeDefined());
      FakePeerConnection.instances.at(-1)?.fail();
      await settle();
      expect(meeting.state.get().connection).toBe('reconnecting');
      const again = await nextSocket(socket);
      const join = lastRequest(again, 'join');
      expect(join).toMatchObject({ resume: 'resume-1' });
      again.receive(
        event({
          type: 'joined',
          self: { ...SELF, id: 'p-self-2' },
          participants: [HOST],
          iceServers: [],
          resumeToken: 'resume-2',
        }),
      );
      again.receive({ type: 'response', id: join?.id, ok: true, result: { status: 'joined' } });
      await settle();
      expect(meeting.state.get().connection).toBe('ok');
      await vi.waitFor(() => expect(lastRequest(again, 'subscribe')).toBeDefined());
      // Failing again within a minute: no loop of reconnections, the person is told.
      FakePeerConnection.instances.at(-1)?.fail();
      await settle();
      expect(meeting.state.get().connection).toBe('media-lost');
      meeting.leave();
    });

    it('restarts both media connections on `media-restart`, keeping the signaling connection', async () => {
      const { meeting, socket } = await joined();
      await vi.waitFor(() => expect(lastRequest(socket, 'subscribe')).toBeDefined());
      const subscribes = socket.sent.filter((message) => message.type === 'subscribe').length;
      const connections = FakePeerConnection.instances.length;
      socket.receive(event({ type: 'media-restart' }));
      await vi.waitFor(() =>
        expect(socket.sent.filter((message) => message.type === 'subscribe').length).toBe(subscribes + 1),
      );
      expect(FakePeerConnection.instances.length).toBeGreaterThan(connections);
      expect(meeting.state.get()).toMatchObject({ phase: 'joined', connection: 'ok' });
    });
  });
});

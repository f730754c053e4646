import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignalingClient, SignalingError } from './signaling';
import { FakeSocket } from './testing/fake-socket';

async function connected(): Promise<{ client: SignalingClient; socket: FakeSocket }> {
  const connecting = SignalingClient.connect('ws://parley.test/ws');
  const socket = FakeSocket.last;
  socket.open();
  return { client: await connecting, socket };
}

describe('SignalingClient', () => {
  beforeEach(() => {
    vi.stubGlobal('WebSocket', FakeSocket);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('rejects when the socket closes before opening (server unreachable)', async () => {
    const connecting = SignalingClient.connect('ws://parley.test/ws');
    FakeSocket.last.drop();
    await expect(connecting).rejects.toBeInstanceOf(SignalingError);
  });

  it('sends requests with increasing ids and resolves the matching response', async () => {
    const { client, socket } = await connected();
    const join = client.request('join', { protocolVersion: 1, room: 'abc', displayName: 'Ada' });
    const leave = client.request('leave', {});
    expect(socket.sent).toEqual([
      { type: 'join', id: 1, protocolVersion: 1, room: 'abc', displayName: 'Ada' },
      { type: 'leave', id: 2 },
    ]);
    socket.receive({ type: 'response', id: 2, ok: true, result: {} });
    socket.receive({ type: 'response', id: 1, ok: true, result: { status: 'waiting-for-host' } });
    await expect(join).resolves.toEqual({ status: 'waiting-for-host' });
    await expect(leave).resolves.toEqual({});
  });

  it('turns error responses into SignalingError with the server code', async () => {
    const { client, socket } = await connected();
    const join = client.request('join', { protocolVersion: 1, room: 'a b', displayName: 'Ada' });
    socket.receive({
      type: 'response',
      id: 1,
      ok: false,
      error: { code: 'invalid-room-name', message: 'Bad name.' },
    });
    await expect(join).rejects.toMatchObject({ code: 'invalid-room-name', message: 'Bad name.' });
  });

  it('carries how long to wait when the server throttles', async () => {
    const { client, socket } = await connected();
    const join = client.request('join', {
      protocolVersion: 1,
      room: 'abc',
      displayName: 'Ada',
      password: 'x',
    });
    socket.receive({
      type: 'response',
      id: 1,
      ok: false,
      error: { code: 'rate-limited', message: 'Slow down.', retryAfterSeconds: 30 },
    });
    await expect(join).rejects.toMatchObject({ code: 'rate-limited', retryAfterSeconds: 30 });
  });

  it('rejects a result that does not fit the request', async () => {
    const { client, socket } = await connected();
    const subscribe = client.request('subscribe', { sdp: 'offer' });
    socket.receive({ type: 'response', id: 1, ok: true, result: { nope: true } });
    await expect(subscribe).rejects.toMatchObject({ code: 'bad-response' });
  });

  it('delivers valid events and ignores anything that is not a protocol message', async () => {
    const { client, socket } = await connected();
    const left: string[] = [];
    client.on('participant-left', (event) => left.push(event.participantId));
    socket.receive({ type: 'event', event: { type: 'participant-left', participantId: 'p1' } });
    socket.receive({ type: 'event', event: { type: 'participant-left' } });
    socket.receive({ hello: 'world' });
    socket.dispatchEvent(Object.assign(new Event('message'), { data: '{not json' }));
    expect(left).toEqual(['p1']);
  });

  it('fails pending requests and tells listeners when the connection drops', async () => {
    const { client, socket } = await connected();
    const closes: number[] = [];
    client.onClose((info) => closes.push(info.code));
    const pending = client.request('leave', {});
    socket.drop();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    expect(closes).toEqual([1006]);
    expect(client.isOpen).toBe(false);
    await expect(client.request('leave', {})).rejects.toMatchObject({ code: 'disconnected' });
  });
});

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { keepAlive } from './keep-alive.js';

describe('signaling keep-alive', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function pair(autoPong: boolean) {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { autoPong });
    const [serverSide] = (await once(server, 'connection')) as [WebSocket];
    cleanups.push(() => {
      client.terminate();
      server.close();
    });
    return { serverSide, client };
  }

  it('keeps a socket whose peer answers pings', async () => {
    const { serverSide, client } = await pair(true);
    // Long enough that a pong delayed by a busy machine still arrives before the next ping (at 20 ms
    // the socket was sometimes, rightly, terminated and the test then waited for pings forever).
    keepAlive(serverSide, 200);
    let pings = 0;
    client.on('ping', () => pings++);
    const closed = once(client, 'close').then(() => 'closed' as const);
    while (pings < 3) {
      expect(await Promise.race([once(client, 'ping').then(() => 'ping' as const), closed])).toBe('ping');
    }
    expect(serverSide.readyState).toBe(WebSocket.OPEN);
  });

  it('terminates a socket whose peer stopped answering', async () => {
    const { serverSide } = await pair(false);
    keepAlive(serverSide, 20);
    await once(serverSide, 'close');
    expect(serverSide.readyState).toBe(WebSocket.CLOSED);
  });
});

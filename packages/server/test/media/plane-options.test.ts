import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createMediaPlane } from '@parley/sfu';
import pino from 'pino';
import { describe, expect, it } from 'vitest';

const silent = pino({ level: 'silent' });

describe('createMediaPlane', () => {
  it('refuses a UDP port that another socket holds, with a clear error, instead of failing at the first join', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address() as AddressInfo;
    try {
      expect(() =>
        createMediaPlane({ publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: port }, silent),
      ).toThrow(new RegExp(`cannot use UDP port ${port}`));
    } finally {
      socket.close();
    }
  });

  it('needs a fixed port', () => {
    expect(() =>
      createMediaPlane({ publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort: 0 }, silent),
    ).toThrow(/fixed UDP port/);
  });

  it('keeps its port bound, and lets a later plane of the process take it over', async () => {
    const rtcPort = 41000 + Math.floor(Math.random() * 20000);
    const options = { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort };
    const plane = createMediaPlane(options, silent);
    expect(() => createMediaPlane(options, silent)).toThrow(/already used by another media plane/);
    const probe = dgram.createSocket('udp4');
    const bindProbe = () =>
      new Promise<string>((resolve) => {
        probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        probe.bind(rtcPort, '127.0.0.1', () => resolve('bound'));
      });
    expect(await bindProbe()).toBe('EADDRINUSE');
    probe.close();
    await plane.close();
    const again = createMediaPlane(options, silent);
    await again.close();
  });
});

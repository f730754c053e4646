import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * Check that UDP `port` is free on `bindAddress` by binding it for a moment. A media worker's Sfu
 * does not hold its port between connections (see Sfu's holdPort), so this is its start-up check:
 * a taken port is a clear error here instead of an abort inside libdatachannel later.
 */
export function probeUdpPort(port: number, bindAddress: string): Promise<void> {
  const socket = createSocket(isIPv6(bindAddress) ? 'udp6' : 'udp4');
  return new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(
        new Error(
          `The media plane cannot use UDP port ${port}: ${error.message}. Is another program using it?`,
        ),
      );
    });
    socket.bind(port, bindAddress, () => socket.close(() => resolve()));
  });
}

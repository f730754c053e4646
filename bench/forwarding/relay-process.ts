// The forwarding benchmark's floor: a bare UDP relay (no crypto, no parsing), one datagram in, one
// `send` per subscriber out, from one socket. What Node itself costs per forwarded packet.
import dgram from 'node:dgram';
import { cpuMicros, serve } from './ipc.js';

const socket = dgram.createSocket('udp4');
const targets: number[] = [];
let sent = 0;
socket.on('message', (packet) => {
  for (let i = 0; i < targets.length; i++) {
    socket.send(packet, targets[i]!, '127.0.0.1');
    sent++;
  }
});
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
socket.setRecvBufferSize(4 * 1024 * 1024);
socket.setSendBufferSize(4 * 1024 * 1024);

serve(
  {
    port: () => socket.address().port,
    addTarget: (port: number) => {
      targets.push(port);
    },
    measure: () => ({ cpuMicros: cpuMicros(), sent, rssBytes: process.memoryUsage().rss }),
  },
  async () => {
    socket.close();
  },
);

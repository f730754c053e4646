// The forwarding benchmark's floor: a bare UDP relay (no crypto, no parsing), one datagram in, one
// `send` per subscriber out, from one socket. What Node itself costs per forwarded packet.
// BENCH_RELAY_ADDRESS: where it listens (default 127.0.0.1; the Janus comparison's namespace address).
import dgram from 'node:dgram';
import { cpuMicros, serve } from './ipc.js';

const address = process.env.BENCH_RELAY_ADDRESS ?? '127.0.0.1';
const socket = dgram.createSocket('udp4');
const targets: { port: number; address: string }[] = [];
let sent = 0;
socket.on('message', (packet) => {
  for (let i = 0; i < targets.length; i++) {
    socket.send(packet, targets[i]!.port, targets[i]!.address);
    sent++;
  }
});
await new Promise<void>((resolve) => socket.bind(0, address, resolve));
socket.setRecvBufferSize(4 * 1024 * 1024);
socket.setSendBufferSize(4 * 1024 * 1024);

serve(
  {
    port: () => socket.address().port,
    addTarget: (port: number, targetAddress = '127.0.0.1') => {
      targets.push({ port, address: targetAddress });
    },
    measure: () => ({ cpuMicros: cpuMicros(), sent, rssBytes: process.memoryUsage().rss }),
  },
  async () => {
    socket.close();
  },
);

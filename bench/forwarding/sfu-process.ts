// The forwarding benchmark's SFU under test: Parley's media plane alone in this process, driven over
// IPC by the load generator (bench/forwarding.ts), which runs the bots on another CPU.
import pino from 'pino';
import { Sfu } from '../../packages/server/src/media/index.js';
import { cpuMicros, serve } from './ipc.js';

const rtcPort = Number(process.env.BENCH_RTC_PORT);
const plane = new Sfu(
  { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort },
  pino({ level: 'silent' }),
);
const ROOM = 'bench-room';
plane.openRoom(ROOM);

const emit = serve(
  {
    addParticipant: (participantId: string) => plane.addParticipant(ROOM, participantId),
    publish: (participantId: string, sdp: string, tracks: never) =>
      plane.publish(ROOM, participantId, sdp, tracks),
    subscribe: (participantId: string, sdp: string) => plane.subscribe(ROOM, participantId, sdp),
    subscriberAnswer: (participantId: string, sdp: string) =>
      plane.subscriberAnswer(ROOM, participantId, sdp),
    measure: () => ({
      cpuMicros: cpuMicros(),
      sent: plane.stats().packetsForwarded,
      rssBytes: process.memoryUsage().rss,
    }),
  },
  () => plane.close(),
);
plane.on('subscriber-offer', (event) => emit('subscriber-offer', event));

// The forwarding benchmark's SFU as media worker threads (BENCH_MEDIA_WORKERS=n): the same room and
// IPC methods as sfu-process.ts, served by a MediaWorkerPool, so that the cost of the thread hop can
// be compared. process.cpuUsage() covers the workers too. `sent` comes from the workers' stats
// reports (every 500 ms), so the delivery ratio is approximate here; CPU per packet is not affected.

import { MediaWorkerPool } from '@parley/sfu';
import pino from 'pino';
import { cpuMicros, runQueueWaitMicros, serve } from './ipc.js';

const plane = new MediaWorkerPool(
  {
    publicIp: '127.0.0.1',
    bindAddress: '127.0.0.1',
    rtcPort: Number(process.env.BENCH_RTC_PORT),
    pauseUnusedLayers: process.env.BENCH_PAUSE_UNUSED_LAYERS === '1',
  },
  Number(process.env.BENCH_MEDIA_WORKERS),
  pino({ level: 'silent' }),
);
await plane.ready();
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
      waitMicros: runQueueWaitMicros(),
    }),
    stats: () => ({ ...plane.stats(), ...process.memoryUsage() }),
  },
  () => plane.close(),
);
plane.on('subscriber-offer', (event) => emit('subscriber-offer', event));
plane.on('simulcast-layers', (event) => emit('simulcast-layers', event));

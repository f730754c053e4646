// The SFU under test in the forwarding, transit and capacity benchmarks: Parley's media plane alone
// in this process (one media worker's worth), driven over IPC by the load generator, which runs the
// bots on another CPU. BENCH_AUDIBLE_SPEAKERS / BENCH_LAST_N set the plane's options (defaults as in
// production: 3 loudest microphones, last-N off); BENCH_PAUSE_UNUSED_LAYERS=1 pauses the simulcast
// layers no subscriber takes (`simulcast-layers` events passed on to the load generator's bots).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Sfu } from '@parley/sfu';
import { transitProbe } from '@parley/sfu/testing';
import pino from 'pino';
import { cpuMicros, runQueueWaitMicros, serve } from './ipc.js';

const rtcPort = Number(process.env.BENCH_RTC_PORT);
const optional = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const plane = new Sfu(
  {
    publicIp: '127.0.0.1',
    bindAddress: '127.0.0.1',
    rtcPort,
    audibleSpeakers: optional(process.env.BENCH_AUDIBLE_SPEAKERS),
    lastN: optional(process.env.BENCH_LAST_N),
    pauseUnusedLayers: process.env.BENCH_PAUSE_UNUSED_LAYERS === '1',
  },
  pino({ level: 'silent' }),
);
const ROOM = 'bench-room';
plane.openRoom(ROOM);
/** Event-loop delay of this process (1 ms sampling), recorded between probeStart and probeRead. */
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

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
    /** Loss-recovery counters (retransmissions, key frame requests, NACKs to the publisher). */
    feedback: () => plane.feedbackStats(),
    /** Start the in-SFU transit histogram and the event-loop delay monitor from empty. */
    probeStart: () => {
      transitProbe.start();
      loopDelay.reset();
      loopDelay.enable();
    },
    /** What was recorded since probeStart (ms), then stop recording. */
    probeRead: () => {
      transitProbe.stop();
      loopDelay.disable();
      return {
        transit: transitProbe.snapshot(),
        eventLoopDelay: {
          p50Ms: loopDelay.percentile(50) / 1e6,
          p99Ms: loopDelay.percentile(99) / 1e6,
          maxMs: loopDelay.max / 1e6,
        },
      };
    },
  },
  () => plane.close(),
);
plane.on('subscriber-offer', (event) => emit('subscriber-offer', event));
plane.on('simulcast-layers', (event) => emit('simulcast-layers', event));

import type { MediaPlane } from '@parley/sfu';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Meetings } from '../meeting/meetings.js';

/** What the figures are read from, at the moment Prometheus asks. */
export interface MetricsSources {
  meetings: Meetings;
  media: MediaPlane;
}

/**
 * The figures /metrics serves, in a registry of this server's own (not prom-client's global one,
 * so several servers in one process never mix). Aggregates only: no metric has a label that could
 * name a room, a person or an address; the only labels are fixed words and media worker numbers.
 */
export function createMetrics({ meetings, media }: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({
    name: 'parley_meetings',
    help: 'Meetings running on this node (a host has arrived and someone is in it; emptied meetings kept for reconnection are not counted).',
    registers,
    collect() {
      let open = 0;
      for (const room of meetings.registry.rooms()) if (room.isLive) open++;
      this.set(open);
    },
  });
  new Gauge({
    name: 'parley_participants',
    help: 'People on this node, by where they are: in a meeting, knocking at its lobby, or waiting for the host.',
    labelNames: ['place'] as const,
    registers,
    collect() {
      let meeting = 0;
      let lobby = 0;
      let waiting = 0;
      for (const room of meetings.registry.rooms()) {
        meeting += room.participants.size;
        lobby += room.lobby.size;
        waiting += room.waitingForHost.size;
      }
      this.set({ place: 'meeting' }, meeting);
      this.set({ place: 'lobby' }, lobby);
      this.set({ place: 'waiting_for_host' }, waiting);
    },
  });

  // The media plane keeps its own running totals; each scrape copies the current values.
  const mediaGauge = (name: string, help: string, read: (stats: ReturnType<MediaPlane['stats']>) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(media.stats()));
      },
    });
  const mediaCounter = (
    name: string,
    help: string,
    read: (stats: ReturnType<MediaPlane['stats']>) => number,
  ) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(media.stats()));
      },
    });
  mediaGauge('parley_media_rooms', 'Rooms the media plane forwards for.', (s) => s.rooms);
  mediaGauge('parley_media_participants', 'Participants known to the media plane.', (s) => s.participants);
  mediaGauge(
    'parley_media_peer_connections',
    'WebRTC peer connections (publish and subscribe).',
    (s) => s.peerConnections,
  );
  mediaGauge(
    'parley_media_published_tracks',
    'Tracks being received from publishers.',
    (s) => s.publishedTracks,
  );
  mediaGauge(
    'parley_media_subscriptions',
    'Forwarding relations publisher track → subscriber.',
    (s) => s.subscriptions,
  );
  mediaCounter(
    'parley_media_packets_forwarded_total',
    'RTP packets forwarded to subscribers.',
    (s) => s.packetsForwarded,
  );
  mediaCounter(
    'parley_media_bytes_forwarded_total',
    'RTP bytes forwarded to subscribers.',
    (s) => s.bytesForwarded,
  );

  // Worker load, when the media plane runs on several worker threads (labelled by number only).
  mediaGauge('parley_media_workers', 'Media worker threads (0: media runs on the main thread).', (s) =>
    s.workers === undefined ? 0 : s.workers.length,
  );
  const perWorker = (
    name: string,
    help: string,
    read: (worker: NonNullable<ReturnType<MediaPlane['stats']>['workers']>[number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['worker'] as const,
      registers,
      collect() {
        this.reset();
        for (const [index, worker] of (media.stats().workers ?? []).entries()) {
          this.set({ worker: String(index) }, read(worker));
        }
      },
    });
  perWorker('parley_media_worker_rooms', 'Rooms on each media worker.', (w) => w.rooms);
  perWorker('parley_media_worker_participants', 'Participants on each media worker.', (w) => w.participants);
  // A counter: when a failed worker is replaced its count starts again from 0, which Prometheus'
  // rate() reads as a counter reset, as after a restart.
  new Counter({
    name: 'parley_media_worker_packets_forwarded_total',
    help: 'RTP packets forwarded by each media worker.',
    labelNames: ['worker'] as const,
    registers,
    collect() {
      this.reset();
      for (const [index, worker] of (media.stats().workers ?? []).entries()) {
        this.inc({ worker: String(index) }, worker.packetsForwarded);
      }
    },
  });
  return registry;
}

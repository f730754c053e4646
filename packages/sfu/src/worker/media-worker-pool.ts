// Privacy: keeps nothing personal (room and participant ids, which worker a room is on, counters).
import { EventEmitter } from 'node:events';
import type { Logger } from '../api/logger.js';
import { MediaError } from '../api/media-error.js';
import type {
  MediaPlane,
  MediaPlaneEvents,
  MediaPlaneOptions,
  MediaPlaneStats,
  SpeakerState,
} from '../api/media-plane.js';
import type { PublishedTrack, TrackSource, VideoReceptionMode } from '../api/types.js';
import type { CommandArgs, CommandName } from './messages.js';
import { DEFAULT_WATCHDOG, type SlotState, type WatchdogLimits, WorkerSlot } from './worker-slot.js';

/** Key of the pool's test hook (testing.ts): a symbol, so that the hook is no method of the pool's API. */
export const MISBEHAVE = Symbol('misbehave');

/**
 * The media plane spread over worker threads: worker i runs an Sfu on UDP port `rtcPort + i`. Each
 * room lives on one worker, chosen when it opens (the least loaded); every call about the room goes
 * there. A worker that ends unexpectedly is replaced on the same port, and its rooms are reported in
 * a `rooms-lost` event for the control plane to open again (on a worker that is up).
 */
export class MediaWorkerPool implements MediaPlane {
  private readonly slots: WorkerSlot[];
  /** roomId → the slot it lives on. */
  private readonly slotOfRoom = new Map<string, WorkerSlot>();
  /** participantId → roomId (a participant id is unique within the server). */
  private readonly roomOfParticipant = new Map<string, string>();
  private readonly events = new EventEmitter();
  /** Counters of workers that ended, so that the totals never go down. */
  private readonly retired = { packetsForwarded: 0, bytesForwarded: 0 };
  private readonly firstStart: Promise<void>;
  private closed = false;
  private readonly logger: Logger;

  /** Starts `workers` threads at once; await ready() to know they all bound their ports. */
  constructor(
    options: MediaPlaneOptions,
    workers: number,
    logger: Logger,
    watchdog: Partial<WatchdogLimits> = {},
  ) {
    if (!Number.isInteger(workers) || workers < 1)
      throw new Error(`A media worker pool needs ≥ 1 worker, got ${workers}.`);
    if (options.rtcPort + workers - 1 > 65535) {
      throw new Error(`UDP ports ${options.rtcPort}–${options.rtcPort + workers - 1} do not all exist.`);
    }
    const poolLogger = logger.child({ module: 'media-pool' });
    this.logger = poolLogger;
    let started = 0;
    let settle: { resolve(): void; reject(error: Error): void } | null = null;
    this.firstStart = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.slots = Array.from(
      { length: workers },
      (_, index) =>
        new WorkerSlot(
          index,
          { ...options, rtcPort: options.rtcPort + index },
          logger,
          {
            event: ({ event, payload }) => {
              if (this.slotOfRoom.get(payload.roomId) === this.slots[index]) this.events.emit(event, payload);
            },
            lost: (counters) => this.lose(this.slots[index]!, counters),
            ready: () => {
              started++;
              if (started === workers) settle?.resolve();
            },
            startFailed: (message) => {
              poolLogger.error(
                { worker: index, rtcPort: options.rtcPort + index },
                'media worker could not start',
              );
              settle?.reject(new Error(message));
            },
          },
          { ...DEFAULT_WATCHDOG, ...watchdog },
        ),
    );
    this.firstStart.then(
      () => {
        settle = null;
        poolLogger.info({ workers, firstRtcPort: options.rtcPort }, 'media: worker pool started');
      },
      () => {
        settle = null;
      },
    );
  }

  /** Resolves once every worker has bound its port; rejects with the first start failure. */
  ready(): Promise<void> {
    return this.firstStart;
  }

  /** The worker index a room lives on (tests). */
  workerOfRoom(roomId: string): number | undefined {
    return this.slotOfRoom.get(roomId)?.index;
  }

  /** Each worker's state, in worker order (tests, diagnostics). */
  workerStates(): SlotState[] {
    return this.slots.map((slot) => slot.state);
  }

  /**
   * Tests only, through `@parley/sfu/testing` (not a method of the pool's API): make worker `index`
   * fail as a bug would (an uncaught exception in the thread), loop for `stallMs`, or leak memory.
   */
  [MISBEHAVE](index: number, how: 'crash' | 'leak' | { stallMs: number }): void {
    this.slots[index]?.misbehave(how);
  }

  /** Workers the watchdog took out of service since start, per slot (tests, diagnostics). */
  watchdogReplacements(): number[] {
    return this.slots.map((slot) => slot.stalls);
  }

  openRoom(roomId: string): void {
    this.send(this.place(roomId), 'openRoom', [roomId]);
  }

  closeRoom(roomId: string): void {
    const slot = this.slotOfRoom.get(roomId);
    if (!slot) return;
    this.forget(roomId);
    this.send(slot, 'closeRoom', [roomId]);
  }

  addParticipant(roomId: string, participantId: string): void {
    const current = this.roomOfParticipant.get(participantId);
    if (current !== undefined && current !== roomId) {
      throw new MediaError('wrong-state', 'The participant is already in another room.');
    }
    if (this.closed) throw new MediaError('closed', 'The media plane is closed.');
    this.roomOfParticipant.set(participantId, roomId);
    this.send(this.place(roomId), 'addParticipant', [roomId, participantId]);
  }

  removeParticipant(roomId: string, participantId: string): void {
    if (this.roomOfParticipant.get(participantId) !== roomId) return;
    this.roomOfParticipant.delete(participantId);
    const slot = this.slotOfRoom.get(roomId);
    if (slot) this.send(slot, 'removeParticipant', [roomId, participantId]);
  }

  async publish(
    roomId: string,
    participantId: string,
    offerSdp: string,
    tracks: PublishedTrack[],
  ): Promise<string> {
    return this.existing(roomId).request('publish', [roomId, participantId, offerSdp, tracks]);
  }

  async subscribe(roomId: string, participantId: string, offerSdp: string): Promise<string> {
    return this.existing(roomId).request('subscribe', [roomId, participantId, offerSdp]);
  }

  async subscriberAnswer(roomId: string, participantId: string, answerSdp: string): Promise<void> {
    await this.existing(roomId).request('subscriberAnswer', [roomId, participantId, answerSdp]);
  }

  setAudioHeld(roomId: string, participantId: string, held: boolean): void {
    const slot = this.openSlotOf(roomId);
    if (slot) this.send(slot, 'setAudioHeld', [roomId, participantId, held]);
  }

  setSpeakerState(roomId: string, participantId: string, state: SpeakerState): void {
    const slot = this.openSlotOf(roomId);
    if (slot) this.send(slot, 'setSpeakerState', [roomId, participantId, state]);
  }

  requestKeyframes(roomId: string): void {
    const slot = this.openSlotOf(roomId);
    if (slot) this.send(slot, 'requestKeyframes', [roomId]);
  }

  setVideoSize(
    roomId: string,
    subscriberId: string,
    participantId: string,
    source: TrackSource,
    width: number,
    height: number,
  ): void {
    const slot = this.openSlotOf(roomId);
    if (slot) this.send(slot, 'setVideoSize', [roomId, subscriberId, participantId, source, width, height]);
  }

  setVideoReception(roomId: string, participantId: string, mode: VideoReceptionMode): void {
    const slot = this.openSlotOf(roomId);
    if (slot) this.send(slot, 'setVideoReception', [roomId, participantId, mode]);
  }

  on<E extends keyof MediaPlaneEvents>(event: E, listener: (payload: MediaPlaneEvents[E]) => void): void {
    this.events.on(event, listener);
  }

  off<E extends keyof MediaPlaneEvents>(event: E, listener: (payload: MediaPlaneEvents[E]) => void): void {
    this.events.off(event, listener);
  }

  /**
   * Sums of the workers' counters. Rooms and participants are the pool's own (exact); the others are
   * what each worker last reported (every STATS_INTERVAL_MS), so they lag by up to that.
   */
  stats(): MediaPlaneStats {
    const workers = this.slots.map((slot) => ({
      rooms: 0,
      participants: 0,
      packetsForwarded: slot.stats.packetsForwarded,
    }));
    for (const slot of this.slotOfRoom.values()) workers[slot.index]!.rooms++;
    for (const roomId of this.roomOfParticipant.values()) {
      const slot = this.slotOfRoom.get(roomId);
      if (slot) workers[slot.index]!.participants++;
    }
    const total: MediaPlaneStats = {
      rooms: this.slotOfRoom.size,
      participants: workers.reduce((sum, worker) => sum + worker.participants, 0),
      peerConnections: 0,
      publishedTracks: 0,
      subscriptions: 0,
      timers: 0,
      packetsForwarded: this.retired.packetsForwarded,
      bytesForwarded: this.retired.bytesForwarded,
      workers,
    };
    for (const { stats } of this.slots) {
      total.peerConnections += stats.peerConnections;
      total.publishedTracks += stats.publishedTracks;
      total.subscriptions += stats.subscriptions;
      total.timers += stats.timers;
      total.packetsForwarded += stats.packetsForwarded;
      total.bytesForwarded += stats.bytesForwarded;
    }
    return total;
  }

  /** Close every worker's SFU and end the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.slotOfRoom.clear();
    this.roomOfParticipant.clear();
    await Promise.all(this.slots.map((slot) => slot.close()));
    this.events.removeAllListeners();
  }

  /** The room's slot; a new room goes to the least loaded worker that is up. */
  private place(roomId: string): WorkerSlot {
    if (this.closed) throw new MediaError('closed', 'The media plane is closed.');
    let slot = this.slotOfRoom.get(roomId);
    if (slot) return slot;
    const load = new Map<WorkerSlot, number>(this.slots.map((s) => [s, 0]));
    for (const s of this.slotOfRoom.values()) load.set(s, load.get(s)! + 1);
    // Participants weigh more than rooms; rooms break ties (rooms open before anyone is in them).
    for (const ofRoom of this.roomOfParticipant.values()) {
      const s = this.slotOfRoom.get(ofRoom);
      if (s) load.set(s, load.get(s)! + 1000);
    }
    const preference = (s: WorkerSlot) => (s.state === 'ready' ? 0 : s.state === 'starting' ? 1 : 2);
    slot = [...this.slots].sort((a, b) => preference(a) - preference(b) || load.get(a)! - load.get(b)!)[0]!;
    this.slotOfRoom.set(roomId, slot);
    return slot;
  }

  /** The slot of an open room, if any; MediaError `closed` after close(), as Sfu throws it. */
  private openSlotOf(roomId: string): WorkerSlot | undefined {
    if (this.closed) throw new MediaError('closed', 'The media plane is closed.');
    return this.slotOfRoom.get(roomId);
  }

  private existing(roomId: string): WorkerSlot {
    if (this.closed) throw new MediaError('closed', 'The media plane is closed.');
    const slot = this.slotOfRoom.get(roomId);
    if (!slot) throw new MediaError('unknown-participant', 'The room is not open.');
    return slot;
  }

  /**
   * A call whose result nobody waits for: a failure in the worker is logged (codes only), as Sfu logs
   * one (its carryOut); what can be known at once (closed, another room) throws before it is sent.
   */
  private send<K extends CommandName>(slot: WorkerSlot, name: K, args: CommandArgs<K>): void {
    slot.request(name, args).catch((error: unknown) => {
      if (this.closed) return;
      const code = error instanceof MediaError ? error.code : 'error';
      // `closed`: the worker went down meanwhile; its rooms are reported lost anyway.
      this.logger[code === 'closed' ? 'debug' : 'warn'](
        { worker: slot.index, command: name, code },
        'media: command failed',
      );
    });
  }

  private forget(roomId: string): void {
    this.slotOfRoom.delete(roomId);
    for (const [participantId, ofRoom] of this.roomOfParticipant) {
      if (ofRoom === roomId) this.roomOfParticipant.delete(participantId);
    }
  }

  private lose(slot: WorkerSlot, counters: { packetsForwarded: number; bytesForwarded: number }): void {
    this.retired.packetsForwarded += counters.packetsForwarded;
    this.retired.bytesForwarded += counters.bytesForwarded;
    const roomIds = [...this.slotOfRoom].filter(([, s]) => s === slot).map(([roomId]) => roomId);
    for (const roomId of roomIds) this.forget(roomId);
    if (roomIds.length > 0 && !this.closed) this.events.emit('rooms-lost', { roomIds });
  }
}

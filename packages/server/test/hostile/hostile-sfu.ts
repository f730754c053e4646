import {
  isVp8KeyframeStart,
  locateVp8Descriptor,
  readVp8PictureId,
  rtpTimestamp,
  writeVp8PictureId,
} from '@parley/sfu/rtp';
import { Subscription } from '@parley/sfu/testing';
import { z } from 'zod';

/**
 * A hostile SFU for the E2EE browser tests (docs/e2ee.md, _Hostile-server tests_). Test code only:
 * it lives under packages/server/test/, which the production build (tsconfig `include: ["src"]`)
 * never compiles, and it is installed only by the test server entry (test-server.ts), which patches
 * the in-process SFU's last step before a packet leaves (`Subscription.transmit`).
 *
 * What it does to one victim (a subscriber), for one target's source:
 * - `reattribute`: the target's own packets are no longer sent to the victim; the packets of another
 *   participant's same source are sent on the target's m-line instead (from a key frame on, with
 *   continuous sequence numbers), so an unprotected client would show that person in the target's tile.
 * - `replay`: records the target's packets for a while (from a key frame), then stops the live
 *   stream towards the victim and loops the recording with fresh sequence numbers and timestamps:
 *   the classic "nodding from ten seconds ago".
 *
 * Like a careful attacker (and like the SFU at a simulcast layer switch), it keeps the victim's
 * receiver clock running: whenever the packets on the victim's m-line change origin, RTP timestamp,
 * VP8 picture id and TL0PICIDX continue from the last ones sent. Without that the browser may drop
 * the moved key frame as older than what it already showed, and the unencrypted control would fail.
 */

export const HostileSfuCommand = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('reattribute'),
    victim: z.string().min(1).max(64),
    target: z.string().min(1).max(64),
    from: z.string().min(1).max(64),
    source: z.enum(['camera', 'screen']),
  }),
  z.object({
    action: z.literal('replay'),
    victim: z.string().min(1).max(64),
    target: z.string().min(1).max(64),
    source: z.enum(['camera', 'screen']),
    /** Frames to record before the loop starts. */
    frames: z.number().int().min(2).max(300).default(60),
  }),
  z.object({ action: z.literal('clear') }),
]);
export type HostileSfuCommand = z.infer<typeof HostileSfuCommand>;

export interface HostileSfuReport {
  /** Packets sent to the victim that the attack made up or moved. */
  injected: number;
  /** The target's live packets not sent to the victim while the attack ran. */
  withheld: number;
  /** Frames recorded for a replay (0 until the recording started). */
  recordedFrames: number;
}

type Rule =
  | (Extract<HostileSfuCommand, { action: 'reattribute' }> & {
      keyframeSeen: boolean;
      keyframes: ReturnType<typeof setInterval>;
    })
  | (Extract<HostileSfuCommand, { action: 'replay' }> & {
      recording: Buffer[][];
      timer: ReturnType<typeof setInterval> | null;
    });

interface Internals {
  transmit(packet: Buffer, sequence: number): boolean;
  transmitRetransmission(packet: Buffer, sequence: number): boolean;
}

/** The last sequence number each subscription sent (the attack continues it, as a real SFU would). */
const lastSequence = new WeakMap<Subscription, number>();

/** What the victim's receiver last saw on an m-line the attack touched, and how to continue it. */
interface Continuity {
  origin: string;
  timestamp: number;
  pictureId: number;
  tl0: number;
  timestampOffset: number;
  pictureIdOffset: number;
  tl0Offset: number;
}
const continuity = new WeakMap<Subscription, Continuity>();
const descriptor = new Int32Array(2);

/**
 * Rewrites `packet`, bound for `subscription`, so that its clock fields continue the stream the
 * receiver saw, even when `origin` (the publication it comes from) just changed. Returns the packet
 * itself while nothing needs rewriting (it is shared by all subscribers), else a rewritten copy.
 */
function continueStream(subscription: Subscription, packet: Buffer, origin: string): Buffer {
  locateVp8Descriptor(packet, descriptor);
  const [pictureAt, tl0At] = [descriptor[0] as number, descriptor[1] as number];
  let state = continuity.get(subscription);
  if (!state) {
    state = {
      origin,
      timestamp: -1,
      pictureId: -1,
      tl0: -1,
      timestampOffset: 0,
      pictureIdOffset: 0,
      tl0Offset: 0,
    };
    continuity.set(subscription, state);
  } else if (state.origin !== origin) {
    state.origin = origin;
    state.timestampOffset = (rtpTimestamp(packet) - ((state.timestamp + 3000) >>> 0)) >>> 0;
    if (pictureAt >= 0 && state.pictureId >= 0)
      state.pictureIdOffset = (readVp8PictureId(packet, pictureAt) - state.pictureId - 1) & 0x7fff;
    if (tl0At >= 0 && state.tl0 >= 0) state.tl0Offset = (packet[tl0At]! - state.tl0 - 1) & 0xff;
  }
  const copy =
    state.timestampOffset === 0 && state.pictureIdOffset === 0 && state.tl0Offset === 0
      ? packet
      : Buffer.from(packet);
  state.timestamp = (rtpTimestamp(copy) - state.timestampOffset) >>> 0;
  copy.writeUInt32BE(state.timestamp, 4);
  if (pictureAt >= 0) {
    state.pictureId = (readVp8PictureId(copy, pictureAt) - state.pictureIdOffset) & 0x7fff;
    writeVp8PictureId(copy, pictureAt, state.pictureId);
  }
  if (tl0At >= 0) {
    state.tl0 = (copy[tl0At]! - state.tl0Offset) & 0xff;
    copy[tl0At] = state.tl0;
  }
  return copy;
}
const liveTargets = new Map<string, Subscription>();
let rule: Rule | null = null;
const report: HostileSfuReport = { injected: 0, withheld: 0, recordedFrames: 0 };
let installed = false;

function key(subscriberId: string, participantId: string, source: string): string {
  return `${subscriberId}/${participantId}/${source}`;
}

/** Send a made-up packet on `subscription` under the next sequence number it owns. */
function inject(original: Internals['transmit'], subscription: Subscription, packet: Buffer): void {
  const sequence = ((lastSequence.get(subscription) ?? 0) + 1) & 0xffff;
  lastSequence.set(subscription, sequence);
  if (original.call(subscription, packet, sequence)) report.injected++;
}

/** Patches the SFU of this process. Call once, before any meeting. */
export function installHostileSfu(): void {
  if (installed) return;
  installed = true;
  const prototype = Subscription.prototype as unknown as Internals;
  const original = prototype.transmit;
  // NACK answers go out as plain retransmissions (valid with RTX negotiated too), through transmit:
  // the rules see every packet a subscriber gets, as they did before the SFU used RTX.
  prototype.transmitRetransmission = function transmitRetransmission(
    this: Subscription,
    packet: Buffer,
    sequence: number,
  ): boolean {
    return (this as unknown as Internals).transmit(packet, sequence);
  };
  prototype.transmit = function transmit(this: Subscription, packet: Buffer, sequence: number): boolean {
    const { participantId, source } = this.publication;
    const here = key(this.subscriberId, participantId, source);
    liveTargets.set(here, this);
    const active = rule;
    if (active) {
      const target = key(active.victim, active.target, active.source);
      if (here === target && (active.action === 'reattribute' || active.timer !== null)) {
        report.withheld++;
        return false;
      }
      if (active.action === 'replay' && here === target) record(active, packet);
      if (active.action === 'reattribute' && here === key(active.victim, active.from, active.source)) {
        const ok = original.call(this, continueStream(this, packet, here), sequence);
        lastSequence.set(this, sequence);
        const onto = liveTargets.get(target);
        if (onto) {
          if (!active.keyframeSeen && isVp8KeyframeStart(packet)) active.keyframeSeen = true;
          if (active.keyframeSeen) inject(original, onto, Buffer.from(continueStream(onto, packet, here)));
        }
        return ok;
      }
    }
    // Every stream continues the clock its receiver saw (before, during and after an attack).
    const ok = original.call(this, continueStream(this, packet, here), sequence);
    if (ok) lastSequence.set(this, sequence);
    return ok;
  };

  function record(active: Extract<Rule, { action: 'replay' }>, packet: Buffer): void {
    const frames = active.recording;
    const copy = Buffer.from(packet);
    const last = frames.at(-1);
    if (!last) {
      if (isVp8KeyframeStart(copy)) frames.push([copy]);
    } else if (rtpTimestamp(last[0] as Buffer) === rtpTimestamp(copy)) last.push(copy);
    else if (frames.length < active.frames) frames.push([copy]);
    report.recordedFrames = frames.length;
    if (frames.length >= active.frames && active.timer === null) startLoop(active);
  }

  function startLoop(active: Extract<Rule, { action: 'replay' }>): void {
    let index = 0;
    let timestamp = rtpTimestamp(active.recording.at(-1)?.[0] as Buffer);
    active.timer = setInterval(() => {
      const onto = liveTargets.get(key(active.victim, active.target, active.source));
      const frame = active.recording[index];
      if (!onto || !frame) return;
      timestamp = (timestamp + 3000) >>> 0;
      for (const packet of frame) {
        const copy = Buffer.from(packet);
        copy.writeUInt32BE(timestamp, 4);
        inject(original, onto, continueStream(onto, copy, 'replay'));
      }
      index = (index + 1) % active.recording.length;
    }, 33);
  }
}

/** Carries out one command of the test; returns what the attack did so far. */
export function commandHostileSfu(command: HostileSfuCommand): HostileSfuReport {
  if (rule?.action === 'replay' && rule.timer) clearInterval(rule.timer);
  if (rule?.action === 'reattribute') clearInterval(rule.keyframes);
  rule = null;
  Object.assign(report, { injected: 0, withheld: 0, recordedFrames: 0 });
  if (command.action === 'reattribute') {
    // An attacker wants the moved stream decodable at once and after any loss (the victim's own key
    // frame requests go to the target, and its NACKs find no moved packets): ask the stream's
    // publisher for key frames, now and every second.
    const askForKeyframe = () =>
      liveTargets.get(key(command.victim, command.from, command.source))?.publication.requestKeyframe();
    rule = { ...command, keyframeSeen: false, keyframes: setInterval(askForKeyframe, 1000) };
    askForKeyframe();
  } else if (command.action === 'replay') {
    rule = { ...command, recording: [], timer: null };
    liveTargets.get(key(command.victim, command.target, command.source))?.publication.requestKeyframe();
  }
  return { ...report };
}

export function hostileSfuReport(): HostileSfuReport {
  return { ...report };
}

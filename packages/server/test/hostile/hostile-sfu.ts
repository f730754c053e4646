import { z } from 'zod';
import { isVp8KeyframeStart, rtpTimestamp } from '../../src/media/rtp.js';
import { Subscription } from '../../src/media/subscription.js';

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
  | (Extract<HostileSfuCommand, { action: 'reattribute' }> & { keyframeSeen: boolean })
  | (Extract<HostileSfuCommand, { action: 'replay' }> & {
      recording: Buffer[][];
      timer: ReturnType<typeof setInterval> | null;
    });

interface Internals {
  transmit(packet: Buffer, sequence: number): boolean;
}

/** The last sequence number each subscription sent (the attack continues it, as a real SFU would). */
const lastSequence = new WeakMap<Subscription, number>();
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
        const ok = original.call(this, packet, sequence);
        lastSequence.set(this, sequence);
        const onto = liveTargets.get(target);
        if (onto) {
          if (!active.keyframeSeen && isVp8KeyframeStart(packet)) active.keyframeSeen = true;
          if (active.keyframeSeen) inject(original, onto, Buffer.from(packet));
        }
        return ok;
      }
    }
    const ok = original.call(this, packet, sequence);
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
        inject(original, onto, copy);
      }
      index = (index + 1) % active.recording.length;
    }, 33);
  }
}

/** Carries out one command of the test; returns what the attack did so far. */
export function commandHostileSfu(command: HostileSfuCommand): HostileSfuReport {
  if (rule?.action === 'replay' && rule.timer) clearInterval(rule.timer);
  rule = null;
  Object.assign(report, { injected: 0, withheld: 0, recordedFrames: 0 });
  if (command.action === 'reattribute') {
    rule = { ...command, keyframeSeen: false };
    // An attacker wants the moved stream decodable at once: ask its publisher for a key frame.
    liveTargets.get(key(command.victim, command.from, command.source))?.publication.requestKeyframe();
  } else if (command.action === 'replay') {
    rule = { ...command, recording: [], timer: null };
    liveTargets.get(key(command.victim, command.target, command.source))?.publication.requestKeyframe();
  }
  return { ...report };
}

export function hostileSfuReport(): HostileSfuReport {
  return { ...report };
}

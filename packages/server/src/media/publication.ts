// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).
import { kindOfSource, type TrackKind, type TrackSource } from '@parley/protocol';
import type { Track } from 'node-datachannel';
import { guarded, type MediaContext } from './media-context.js';
import { PacketCache } from './packet-cache.js';
import { buildPli, parseRtcp, writeSenderInfo } from './rtcp.js';
import { isRtcp, RTP_HEADER_SIZE } from './rtp.js';
import type { Subscription } from './subscription.js';
import type { CancelTimer } from './timers.js';

/** Payload types the SFU uses towards every subscriber (see Subscription's SDP). */
export const OUTGOING_PAYLOAD_TYPE: Record<TrackKind, number> = { video: 96, audio: 111 };

/** At most one key frame request per publisher track in this interval (ms). */
export const KEYFRAME_REQUEST_INTERVAL_MS = 500;

/** Packets kept per video track to answer NACKs (about 2 s of 720p video). */
const PACKET_CACHE_SIZE = 512;

/**
 * One track a participant publishes (its microphone, camera, screen...), received on the publish
 * connection and fanned out to one Subscription per other participant.
 *
 * Hot path: `receive()` rewrites the payload type once, keeps a copy for NACKs (video), and hands the
 * same Buffer to every subscription, which rewrites the SSRC and sends it synchronously.
 */
export class Publication {
  readonly kind: TrackKind;
  readonly subscriptions: Subscription[] = [];
  /** false while a moderator holds this participant's audio: packets are dropped, not forwarded. */
  forwarding = true;
  private track: Track | null = null;
  private readonly outgoingPayloadType: number;
  private readonly cache: PacketCache | null;
  private readonly pli: Buffer;
  private readonly senderReport = Buffer.alloc(28);
  private readonly retransmission = Buffer.allocUnsafe(PacketCache.SLOT_SIZE);
  private lastKeyframeRequest = Number.NEGATIVE_INFINITY;
  /** A key frame was asked for before the publisher's track could carry the request. */
  private keyframeWanted = false;
  private cancelDelayedKeyframeRequest: CancelTimer | null = null;
  private closed = false;

  constructor(
    readonly participantId: string,
    readonly source: TrackSource,
    readonly mid: string,
    /** The publisher's SSRC for this track; null until announced or first seen. */
    public ssrc: number | null,
    /** The payload type the publisher's browser uses for the codec (from its offer). */
    public payloadType: number,
    /** SSRC the SFU uses as sender of its RTCP on the publish connection. */
    rtcpSenderSsrc: number,
    private readonly context: MediaContext,
  ) {
    this.kind = kindOfSource(source);
    this.outgoingPayloadType = OUTGOING_PAYLOAD_TYPE[this.kind];
    this.cache = this.kind === 'video' ? new PacketCache(PACKET_CACHE_SIZE) : null;
    this.pli = buildPli(rtcpSenderSsrc, 0);
  }

  /** The libdatachannel track of this m-line on the publish connection (null while not yet known). */
  attach(track: Track | null): void {
    this.track = track;
  }

  /** A packet received on this track's m-line: RTP to forward, or RTCP from the publisher. */
  receive(packet: Buffer): void {
    if (this.closed) return;
    if (isRtcp(packet)) {
      this.receiveRtcp(packet);
      return;
    }
    if (packet.length < RTP_HEADER_SIZE) return;
    // Only the negotiated stream: not RTX, FEC or extra layers, nor a format the SFU did not accept.
    if ((packet[1]! & 0x7f) !== this.payloadType) return;
    const ssrc = packet.readUInt32BE(8);
    if (this.ssrc === null) this.ssrc = ssrc;
    else if (ssrc !== this.ssrc) return;
    if (this.keyframeWanted) {
      // The track works now (media arrives): send the request that could not go out before.
      this.keyframeWanted = false;
      this.requestKeyframe();
    }
    if (!this.forwarding) return;
    packet[1] = (packet[1]! & 0x80) | this.outgoingPayloadType;
    this.cache?.store(packet);
    const subscriptions = this.subscriptions;
    for (let i = 0; i < subscriptions.length; i++) subscriptions[i]!.send(packet);
  }

  /**
   * Ask the publisher for a key frame (PLI), at most once per KEYFRAME_REQUEST_INTERVAL_MS. A request
   * inside the interval is not dropped but delayed to its end, so a new subscriber never waits for the
   * publisher's next periodic key frame.
   */
  requestKeyframe(): void {
    if (this.kind !== 'video' || this.closed || this.cancelDelayedKeyframeRequest) return;
    const wait = this.lastKeyframeRequest + KEYFRAME_REQUEST_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.sendKeyframeRequest();
      return;
    }
    this.cancelDelayedKeyframeRequest = this.context.timers.after(
      wait,
      guarded(this.context.logger, 'key frame request', () => {
        this.cancelDelayedKeyframeRequest = null;
        this.sendKeyframeRequest();
      }),
    );
  }

  private sendKeyframeRequest(): void {
    const track = this.track;
    if (track === null || this.ssrc === null || !track.isOpen()) {
      this.keyframeWanted = true;
      return;
    }
    this.pli.writeUInt32BE(this.ssrc, 8);
    try {
      if (track.sendMessageBinary(this.pli)) {
        this.lastKeyframeRequest = performance.now();
        this.context.counters.keyframeRequestsSent++;
        return;
      }
    } catch {
      // The track closed under us; the connection's state handler deals with that.
    }
    this.keyframeWanted = true;
  }

  /** Answer a subscriber's NACK from the packet cache (plain retransmission on its SSRC). */
  retransmit(sequences: readonly number[], subscription: Subscription): void {
    const cache = this.cache;
    if (cache === null) return;
    for (const sequence of sequences) {
      const packet = cache.get(sequence);
      if (packet === undefined) continue;
      packet.copy(this.retransmission);
      if (subscription.send(this.retransmission.subarray(0, packet.length)))
        this.context.counters.retransmissions++;
    }
  }

  private receiveRtcp(packet: Buffer): void {
    for (const message of parseRtcp(packet)) {
      // Sender Reports map the publisher's RTP clock to wall-clock time; subscribers need them for
      // lip sync. Same timestamps, so only the SSRC changes.
      if (message.type === 'sender-report' && message.ssrc === this.ssrc) {
        for (const subscription of this.subscriptions) {
          subscription.sendControl(
            writeSenderInfo(packet, message.offset, subscription.ssrc, this.senderReport),
          );
        }
      }
    }
  }

  addSubscription(subscription: Subscription): void {
    this.subscriptions.push(subscription);
  }

  removeSubscription(subscription: Subscription): void {
    const index = this.subscriptions.indexOf(subscription);
    if (index >= 0) this.subscriptions.splice(index, 1);
  }

  /** Stop forwarding. Subscriptions are removed by their subscribers (the room router sees to it). */
  close(): void {
    this.closed = true;
    this.cancelDelayedKeyframeRequest?.();
    this.cancelDelayedKeyframeRequest = null;
    this.track = null;
  }
}

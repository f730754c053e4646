// Privacy: keeps nothing personal (a native track handle and counters).

import type { Track } from 'node-datachannel';
import type { MediaCounters } from '../room/media-context.js';
import { findOneByteExtension } from '../rtp/header-extension.js';
import { retainUntilClosed } from '../transport/native-handles.js';
import type { SubscriberBandwidth } from '../transport/subscriber-bandwidth.js';
import { SUBSCRIBER_TRANSPORT_CC_ID } from '../transport/transport-sends.js';
import type { ForwardedPacket } from './forwarded-packet.js';

/**
 * A subscription's m-line on the subscribe connection as libdatachannel sends on it: each packet
 * numbered in the connection's transport-cc sequence and counted as forwarded.
 */
export class OutgoingTrack {
  private track: Track | null = null;
  /**
   * The track was open at the last send, so the next one need not ask (`isOpen()` is a native call of
   * ≈ 0.2 µs, once per forwarded packet per subscriber). libdatachannel throws from a send on a track
   * that is not open or has closed: that clears this, and isOpen() decides again.
   */
  private open = false;

  constructor(
    /** The packet its publication is fanning out (its transport-cc slot is found there already). */
    private readonly forwarded: ForwardedPacket,
    /** The subscribe connection's transport-cc numbering and estimate (null: not used). */
    private readonly bandwidth: SubscriberBandwidth | null,
    private readonly counters: MediaCounters,
  ) {}

  /** True once bound to a libdatachannel track (and until closed). */
  get attached(): boolean {
    return this.track !== null;
  }

  /** Bind to the libdatachannel track created for the m-line. */
  attach(track: Track): void {
    this.track = retainUntilClosed(track);
    this.open = false;
  }

  /** Send a packet whose header is written, numbered in the connection's transport-cc sequence. */
  deliver(packet: Buffer): boolean {
    const track = this.track;
    if (track === null) return false;
    if (!this.open) {
      if (!track.isOpen()) return false;
      this.open = true;
    }
    // transport-cc: the connection's next number, in the slot the publication renamed (or, for a copy
    // from the cache, where the renamed slot is). A packet without one goes out unnumbered.
    const bandwidth = this.bandwidth;
    let transportAt = -1;
    if (bandwidth !== null) {
      const forwarded = this.forwarded;
      transportAt =
        packet === forwarded.buffer
          ? forwarded.transportAt
          : findOneByteExtension(packet, SUBSCRIBER_TRANSPORT_CC_ID);
      if (transportAt >= 0) {
        const transport = bandwidth.sends.nextSequence;
        packet[transportAt] = transport >> 8;
        packet[transportAt + 1] = transport & 0xff;
      }
    }
    try {
      if (!track.sendMessageBinary(packet)) return false;
    } catch {
      this.open = false; // closed since the last send (on libdatachannel's thread)
      return false;
    }
    if (transportAt >= 0) bandwidth!.sends.sent(packet.length, performance.now());
    const counters = this.counters;
    counters.packetsForwarded++;
    counters.bytesForwarded += packet.length;
    return true;
  }

  /**
   * Send a packet as it is, on a track open at the last send (probe padding: numbered by the caller,
   * not counted as forwarded). False when refused or closed.
   */
  sendAsIs(packet: Buffer): boolean {
    const track = this.track;
    if (track === null || !this.open) return false;
    try {
      return track.sendMessageBinary(packet);
    } catch {
      this.open = false;
      return false;
    }
  }

  /** Send an RTCP packet the SFU built for this subscriber. */
  sendControl(packet: Buffer): void {
    const track = this.track;
    if (track === null || !track.isOpen()) return;
    try {
      track.sendMessageBinary(packet);
    } catch {
      // closed meanwhile
    }
  }

  /** Close the track (the next offer removes the m-line). */
  close(): void {
    const track = this.track;
    this.track = null;
    try {
      track?.close();
    } catch {
      // already gone with its connection
    }
  }
}

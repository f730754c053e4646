// Privacy: keeps nothing personal (RTCP handling, no state).

import { type RtcpMessage, writeSenderInfo } from '../rtp/rtcp.js';

/** What a Sender Report needs of a subscription (Subscription). */
export interface SenderReportTarget {
  /** The simulcast layer it receives (0 without simulcast). */
  readonly layer: number;
  readonly isPaused: boolean;
  /** The SSRC the subscriber sees. */
  readonly ssrc: number;
  /** The subscriber's RTP timestamp for a publisher timestamp of its layer. */
  outgoingTimestamp(timestamp: number): number;
  sendControl(packet: Buffer): void;
}

/**
 * Pass the publisher's Sender Report of `layer` (at `offset` in `packet`) to each subscription that
 * receives that layer, on its SSRC and RTP clock (simulcast switches offset it): subscribers need it
 * for lip sync. `scratch` (28 bytes) holds each copy while it is sent.
 */
export function forwardSenderReport(
  packet: Buffer,
  offset: number,
  layer: number,
  subscriptions: readonly SenderReportTarget[],
  scratch: Buffer,
): void {
  for (const subscription of subscriptions) {
    if (subscription.layer !== layer || subscription.isPaused) continue;
    const report = writeSenderInfo(packet, offset, subscription.ssrc, scratch);
    report.writeUInt32BE(subscription.outgoingTimestamp(report.readUInt32BE(16)), 16);
    subscription.sendControl(report);
  }
}

/** Whether a Sender Report for `ssrc` follows message `index` in the same compound. */
export function laterReportOf(messages: readonly RtcpMessage[], index: number, ssrc: number): boolean {
  for (let i = index + 1; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.type === 'sender-report' && message.ssrc === ssrc) return true;
  }
  return false;
}

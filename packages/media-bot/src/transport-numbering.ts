/**
 * A publishing bot's side of transport-cc (option `transportCc`): the transport-wide sequence numbers
 * its packets carry, and what the SFU's feedback then said of each. Decoded with the SFU's own
 * parseTransportFeedback, so the test checks what the SFU wrote, not a second reading of the format.
 */
import { RTCP_RTPFB } from '@parley/sfu/rtp';
import { parseTransportFeedback, TRANSPORT_CC_FORMAT } from '@parley/sfu/transport';

export class TransportNumbering {
  /** Each reported number's arrival time (in the SFU's µs), or null: reported not received. */
  readonly reported = new Map<number, number | null>();
  /** Feedback messages read. */
  messages = 0;
  #next = 1;

  /** The number for the next packet (audio and video share one sequence, as in a browser). */
  next(): number {
    const sequence = this.#next;
    this.#next = (sequence + 1) & 0xffff;
    return sequence;
  }

  /** Note a transport-cc feedback message; false when `message` is some other RTCP. */
  readFeedback(message: Buffer): boolean {
    if (message[1] !== RTCP_RTPFB || (message[0]! & 0x1f) !== TRANSPORT_CC_FORMAT) return false;
    const feedback = parseTransportFeedback(message);
    if (feedback !== null) {
      this.messages++;
      for (const packet of feedback.packets) this.reported.set(packet.sequence, packet.arrivalUs);
    }
    return true;
  }
}

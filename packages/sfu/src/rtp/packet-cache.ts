/**
 * The recent history of one RTP stream, kept so a subscriber's NACK can be answered by retransmitting
 * the lost packet (RFC 4585 generic NACK, plain retransmission on the original SSRC).
 *
 * A ring of fixed slots in one preallocated Buffer, indexed by sequence number modulo the capacity:
 * storing a packet is one copy, never an allocation. The capacity is a power of two that divides 65536,
 * so the slot of a sequence number stays the same across the 16-bit wrap.
 */
export class PacketCache {
  /** Largest packet kept; browsers packetize below 1200 bytes, anything bigger is not cached. */
  static readonly SLOT_SIZE = 1500;

  private readonly memory: Buffer;
  private readonly sequences: Int32Array;
  private readonly lengths: Uint16Array;

  constructor(readonly capacity = 512) {
    if (capacity < 1 || capacity > 65536 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError('PacketCache capacity must be a power of two from 1 to 65536');
    }
    this.memory = Buffer.allocUnsafe(capacity * PacketCache.SLOT_SIZE);
    this.sequences = new Int32Array(capacity).fill(-1);
    this.lengths = new Uint16Array(capacity);
  }

  /** Keep a copy of this RTP packet (its sequence number is read from the header). */
  store(packet: Buffer): void {
    if (packet.length > PacketCache.SLOT_SIZE || packet.length < 12) return;
    const sequence = packet.readUInt16BE(2);
    const slot = sequence & (this.capacity - 1);
    packet.copy(this.memory, slot * PacketCache.SLOT_SIZE);
    this.sequences[slot] = sequence;
    this.lengths[slot] = packet.length;
  }

  /**
   * The cached packet with this sequence number, or undefined when it was never stored or has been
   * overwritten. The returned view points into the cache: copy it before changing it.
   */
  get(sequence: number): Buffer | undefined {
    const slot = sequence & (this.capacity - 1);
    if (this.sequences[slot] !== (sequence & 0xffff)) return undefined;
    const start = slot * PacketCache.SLOT_SIZE;
    return this.memory.subarray(start, start + this.lengths[slot]!);
  }
}

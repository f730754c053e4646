/**
 * Which frame counters of one KID were already accepted. A counter is accepted once; counters more
 * than `size` below the highest seen are refused as too old. One KID's counter is shared by all of
 * that sender's sources (mic, camera, screen…), so the window must cover the skew between those
 * streams on their way here: at ~200 frames/s in all, 8192 is about 40 s.
 */
export class ReplayWindow {
  private highest = -1;
  private readonly seen: Uint8Array;

  constructor(readonly size = 8192) {
    if (size <= 0 || size % 8 !== 0) throw new Error('window size must be a positive multiple of 8');
    this.seen = new Uint8Array(size / 8);
  }

  /** Whether `ctr` would be accepted now (no change). */
  fresh(ctr: number): boolean {
    if (ctr > this.highest) return true;
    if (this.highest - ctr >= this.size) return false;
    return !this.bit(ctr);
  }

  /** Accepts `ctr` once: false if it was seen already or is too old. */
  accept(ctr: number): boolean {
    if (!this.fresh(ctr)) return false;
    if (ctr > this.highest) {
      // Forget the slots the window slides past: they now stand for newer counters.
      if (ctr - this.highest >= this.size) this.seen.fill(0);
      else for (let c = this.highest + 1; c < ctr; c++) this.setBit(c, false);
      this.highest = ctr;
    }
    this.setBit(ctr, true);
    return true;
  }

  private bit(ctr: number): boolean {
    const slot = ctr % this.size;
    return ((this.seen[slot >> 3] as number) & (1 << (slot & 7))) !== 0;
  }

  private setBit(ctr: number, value: boolean): void {
    const slot = ctr % this.size;
    const byte = this.seen[slot >> 3] as number;
    this.seen[slot >> 3] = value ? byte | (1 << (slot & 7)) : byte & ~(1 << (slot & 7));
  }
}

/**
 * When a publishing bot sends a key frame: at the start of each video source, every 4 s (unless
 * `periodicKeyframes` is off), and on the SFU's requests (PLI/FIR), counted one per 20 ms tick since
 * the SFU asks every simulcast layer at once. Tests may have requests ignored, as a lost PLI.
 */
const KEYFRAME_EVERY_FRAMES = 100;

export class KeyframeRequests {
  /** Requests counted (answered or ignored). */
  received = 0;
  #pending = true;
  #seenThisTick = false;
  #toIgnore = 0;
  #frame = 0;

  constructor(private readonly periodic: boolean) {}

  /** A new video source starts with a key frame. */
  newSource(): void {
    this.#pending = true;
  }

  /** The next `count` requests are counted but not answered. */
  ignore(count: number): void {
    this.#toIgnore = count;
  }

  /**
   * A PLI or FIR for the stream. `layerPli`: a PLI naming one of its simulcast layers (not its own
   * SSRC), which only counts when no request came this tick yet.
   */
  request(layerPli: boolean): void {
    if (layerPli && this.#seenThisTick) return;
    if (!this.#seenThisTick) {
      this.received++;
      // A request lost on the way (or ignored by a busy encoder): counted, not answered.
      if (this.#toIgnore > 0) {
        this.#toIgnore--;
        this.#seenThisTick = true;
        return;
      }
    }
    this.#seenThisTick = true;
    this.#pending = true;
  }

  /** A new tick: requests count again. */
  tick(): void {
    this.#seenThisTick = false;
  }

  /** A new video frame: whether it is a key frame. */
  nextFrame(): boolean {
    this.#frame++;
    const keyframe = this.#pending || (this.periodic && this.#frame % KEYFRAME_EVERY_FRAMES === 0);
    this.#pending = false;
    return keyframe;
  }
}

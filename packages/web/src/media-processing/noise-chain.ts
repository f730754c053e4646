import { Store } from '../state/store';

/** A running suppressor: it reads `input` and offers the cleaned audio as `output`. */
export interface Suppressor {
  readonly input: MediaStreamTrack;
  readonly output: MediaStreamTrack;
  /** Stops `output` and frees the audio graph. */
  close(): void;
}

/** Builds a suppressor for a microphone track; rejects when the browser cannot run it. */
export type StartSuppressor = (input: MediaStreamTrack) => Promise<Suppressor>;

export interface NoiseChainState {
  /** What the person chose. */
  wanted: boolean;
  /** A suppressor is cleaning the track being sent. */
  running: boolean;
  /** Starting the suppressor failed (no AudioWorklet or WebAssembly): the raw track is sent. */
  unavailable: boolean;
}

/**
 * Decides which microphone track is sent: the raw one, or the output of a suppressor fed by it.
 * The suppressor is started only when a track is about to be sent (not for the pre-join screen)
 * and stopped when switched off, so "off" costs nothing. Calls are handled one at a time, in order,
 * so quick on/off/on clicks end in the last state chosen.
 */
export class NoiseChain {
  readonly state: Store<NoiseChainState>;
  private suppressor: Suppressor | null = null;
  /** The raw track last asked for; the one to rebuild for when switched on again. */
  private input: MediaStreamTrack | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly start: StartSuppressor,
    wanted: boolean,
  ) {
    this.state = new Store({ wanted, running: false, unavailable: false });
  }

  get wanted(): boolean {
    return this.state.get().wanted;
  }

  /** The track to send for the raw microphone track `input`. */
  output(input: MediaStreamTrack): Promise<MediaStreamTrack> {
    return this.serial(() => this.build(input));
  }

  /**
   * Switches suppression on or off. Returns the track to send from now on when a track is being
   * sent (the caller swaps it in with replaceTrack), or null when nothing is sent yet.
   */
  setWanted(wanted: boolean): Promise<MediaStreamTrack | null> {
    return this.serial(async () => {
      this.patch({ wanted, unavailable: false });
      return this.input ? this.build(this.input) : null;
    });
  }

  /** Forgets the raw track (closed or replaced by another device) and stops suppressing it. */
  detach(): void {
    this.input = null;
    this.stopSuppressor();
  }

  /** Stops for good (leaving the meeting). */
  close(): void {
    this.closed = true;
    this.detach();
  }

  private async build(input: MediaStreamTrack): Promise<MediaStreamTrack> {
    if (this.closed) return input;
    this.input = input;
    if (!this.wanted || this.state.get().unavailable) {
      this.stopSuppressor();
      return input;
    }
    if (this.suppressor?.input === input) return this.suppressor.output;
    this.stopSuppressor();
    let suppressor: Suppressor;
    try {
      suppressor = await this.start(input);
    } catch {
      this.patch({ unavailable: true });
      return input;
    }
    // Left, or the device changed, while the suppressor was starting.
    if (this.closed || this.input !== input) {
      suppressor.close();
      return input;
    }
    this.suppressor = suppressor;
    this.patch({ running: true });
    return suppressor.output;
  }

  private stopSuppressor(): void {
    if (!this.suppressor) return;
    this.suppressor.close();
    this.suppressor = null;
    this.patch({ running: false });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private patch(change: Partial<NoiseChainState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }
}

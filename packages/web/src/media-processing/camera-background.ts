import { Store } from '../state/store';
import {
  type BackgroundChoice,
  loadBackgroundChoice,
  loadBackgroundImage,
  loadPicture,
  pictureOf,
  saveBackgroundChoice,
} from './background-choice';
import type { BackgroundEffect } from './background-compositor';
import { BackgroundProcessor, backgroundSupported, type ProcessorStats } from './background-processor';

/** Why the chosen background is not applied. */
export type BackgroundProblem = 'unsupported' | 'too-slow' | 'failed';

export interface BackgroundState {
  choice: BackgroundChoice;
  /** The effect is being switched on (the segmentation model may still be loading). */
  starting: boolean;
  problem: BackgroundProblem | null;
  /** This browser can run the effect at all; the control is hidden otherwise. */
  supported: boolean;
}

/**
 * The camera's background effect, between the camera and everything that shows or sends it.
 * `LocalMedia` hands each new camera track to `wrap` and sends what comes back; a change of effect
 * while the camera runs hands the new outgoing track to `replace` (the meeting swaps it on its
 * sender with replaceTrack: no renegotiation, and simulcast and E2EE apply to the new track as to
 * the old, since both work on encoded frames after this step).
 */
export class CameraBackground {
  readonly state: Store<BackgroundState>;
  private processor: BackgroundProcessor | null = null;
  /** The camera track the processor reads (null while the plain camera is sent). */
  private source: MediaStreamTrack | null = null;
  /** Counts changes, so an effect that finishes starting after a newer change is dropped. */
  private generation = 0;
  private readonly pictures = new Map<string, Promise<BackgroundEffect>>();

  constructor(private readonly replace: (track: MediaStreamTrack) => void) {
    const supported = backgroundSupported();
    this.state = new Store<BackgroundState>({
      choice: supported ? loadBackgroundChoice() : 'off',
      starting: false,
      problem: null,
      supported,
    });
    // The browser tests read the processor's figures (frames per second, time per frame).
    if (import.meta.env.MODE === 'e2e-test')
      (globalThis as { __parleyBackground?: () => ProcessorStats | null }).__parleyBackground = () =>
        this.stats();
  }

  get choice(): BackgroundChoice {
    return this.state.get().choice;
  }

  /** The track to show and send for the camera track `camera`: processed when an effect is chosen. */
  async wrap(camera: MediaStreamTrack): Promise<MediaStreamTrack> {
    this.release();
    const generation = ++this.generation;
    const processor = await this.startFor(camera, this.choice);
    if (!processor) return camera;
    if (generation !== this.generation || ended(camera)) {
      processor.stop();
      return camera;
    }
    this.adopt(camera, processor);
    return processor.track;
  }

  /**
   * Switches to `choice`. `camera` is the camera track in use (the plain one) or null while the
   * camera is off; the choice is remembered either way and applied when the camera starts.
   */
  async choose(choice: BackgroundChoice, camera: MediaStreamTrack | null): Promise<void> {
    saveBackgroundChoice(choice);
    this.patch({ choice, problem: null });
    const generation = ++this.generation;
    const plain = this.source ?? camera;
    if (!plain || ended(plain)) return;
    if (choice === 'off') {
      this.plainAgain(plain);
      return;
    }
    if (this.processor) {
      const effect = await this.effectOf(choice).catch(() => null);
      if (generation !== this.generation) return;
      if (effect) this.processor.setEffect(effect);
      else this.patch({ problem: 'failed' });
      return;
    }
    const processor = await this.startFor(plain, choice);
    if (!processor) return;
    if (generation !== this.generation || ended(plain)) {
      processor.stop();
      return;
    }
    this.adopt(plain, processor);
    this.replace(processor.track);
  }

  /** The plain camera track behind the processed one, or null when none is processed. */
  cameraTrack(): MediaStreamTrack | null {
    return this.source;
  }

  /** The running processor's figures (browser tests, docs/performance.md), or null. */
  stats(): ProcessorStats | null {
    return this.processor?.stats() ?? null;
  }

  /** Stops processing (the camera is going off); the camera track itself is the caller's. */
  release(): void {
    this.generation++;
    this.processor?.stop();
    this.processor = null;
    this.source = null;
    this.patch({ starting: false });
  }

  private adopt(camera: MediaStreamTrack, processor: BackgroundProcessor): void {
    this.processor = processor;
    this.source = camera;
  }

  /** Sends the plain camera again (effect off, or too slow). */
  private plainAgain(camera: MediaStreamTrack): void {
    const processor = this.processor;
    this.processor = null;
    this.source = null;
    if (!processor) return;
    this.replace(camera);
    processor.stop();
  }

  private async startFor(
    camera: MediaStreamTrack,
    choice: BackgroundChoice,
  ): Promise<BackgroundProcessor | null> {
    if (choice === 'off') return null;
    if (!this.state.get().supported) {
      this.patch({ problem: 'unsupported' });
      return null;
    }
    this.patch({ starting: true, problem: null });
    try {
      const effect = await this.effectOf(choice);
      let started: BackgroundProcessor | null = null;
      started = await BackgroundProcessor.start(camera, effect, {
        onTooSlow: () => {
          if (!started || this.processor !== started) return;
          this.plainAgain(camera);
          this.patch({ choice: 'off', problem: 'too-slow' });
        },
      });
      return started;
    } catch (error) {
      // For whoever looks at the console: the person sees the readable message.
      console.warn('background effect failed to start', error);
      this.patch({ problem: 'failed' });
      return null;
    } finally {
      this.patch({ starting: false });
    }
  }

  private effectOf(choice: BackgroundChoice): Promise<BackgroundEffect> {
    const url = pictureOf(choice, loadBackgroundImage());
    if (choice === 'blur') return Promise.resolve({ kind: 'blur' });
    if (!url) return Promise.reject(new Error('no picture stored'));
    let effect = this.pictures.get(url);
    if (!effect) {
      effect = loadPicture(url).then(
        (image): BackgroundEffect => ({
          kind: 'image',
          image,
          width: image.naturalWidth || 1280,
          height: image.naturalHeight || 720,
        }),
      );
      effect.catch(() => this.pictures.delete(url));
      this.pictures.set(url, effect);
    }
    return effect;
  }

  private patch(change: Partial<BackgroundState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }
}

/** A function, so TypeScript does not keep a narrowed `readyState` across awaits. */
function ended(track: MediaStreamTrack): boolean {
  return track.readyState === 'ended';
}

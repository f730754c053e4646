import { BackgroundCompositor, type BackgroundEffect } from './background-compositor';
import { FrameBudget, MAX_SEGMENT_MS } from './background-performance';
import { PersonSegmenter } from './segmenter';

// Insertable streams for raw video (Chromium exposes them on the page; not in the DOM typings).
interface TrackProcessor {
  readable: ReadableStream<VideoFrame>;
}
interface TrackGenerator extends MediaStreamTrack {
  writable: WritableStream<VideoFrame>;
}
declare const MediaStreamTrackProcessor:
  | { new (init: { track: MediaStreamTrack }): TrackProcessor }
  | undefined;
declare const MediaStreamTrackGenerator: { new (init: { kind: 'video' }): TrackGenerator } | undefined;

/** How frames are read and written: insertable streams, or a video element and a canvas. */
export type ProcessingPath = 'insertable-streams' | 'canvas';

export interface ProcessorStats {
  path: ProcessingPath;
  /** Processing resolution as a share of the camera's (1, or MIN_SCALE after a slow start). */
  scale: number;
  width: number;
  height: number;
  /** Frames sent in the last full second. */
  fps: number;
  /** Mean time spent painting one frame in the last measured window, ms. */
  busyMs: number;
  frames: number;
  /** Moving averages, ms: finding the person (once per mask), painting a frame (every frame). */
  segmentMs: number;
  paintMs: number;
}

export interface ProcessorEvents {
  /** Too slow even at the lowest resolution: the effect stopped; send the plain camera again. */
  onTooSlow(): void;
}

/** The landscape model's input size. */
const SEGMENTER_INPUT = { width: 256, height: 144 };

let segmenterLoad: Promise<PersonSegmenter> | null = null;

/** The segmenter, loaded once per page (the runtime is large; the model small). */
function sharedSegmenter(): Promise<PersonSegmenter> {
  segmenterLoad ??= PersonSegmenter.load().catch((error: unknown) => {
    segmenterLoad = null;
    throw error;
  });
  return segmenterLoad;
}

/** Whether this browser can run the effect at all (Canvas 2D filters, WebAssembly, WebGL 2). */
export function backgroundSupported(): boolean {
  if (typeof WebAssembly === 'undefined' || typeof document === 'undefined') return false;
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (ctx === null || !('filter' in ctx) || typeof canvas.captureStream !== 'function') return false;
  // MediaPipe's segmentation runs its image steps in WebGL 2.
  return document.createElement('canvas').getContext('webgl2') !== null;
}

function insertableStreams(): boolean {
  return typeof MediaStreamTrackProcessor === 'function' && typeof MediaStreamTrackGenerator === 'function';
}

/**
 * Turns the camera track into a track with the background blurred or replaced, before anything
 * is encoded (or encrypted): `track` is what gets previewed and sent. The camera track stays the
 * caller's. Per frame: find the person (MediaPipe), paint person over background (Canvas 2D).
 */
export class BackgroundProcessor {
  private stopped = false;
  private compositor: BackgroundCompositor;
  private scale = 1;
  private readonly budget = new FrameBudget();
  private frames = 0;
  private secondStart = performance.now();
  private framesThisSecond = 0;
  private fps = 0;
  private segmentMs = 0;
  private paintMs = 0;
  /**
   * The camera frame as small as the model reads it (it scales to 256×144 anyway): uploading a
   * full-size frame to WebGL for that costs more than the segmentation itself.
   */
  private readonly input = Object.assign(document.createElement('canvas'), SEGMENTER_INPUT);
  /** The newest person mask (alpha = confidence), and whether there is one yet. */
  private readonly mask = Object.assign(document.createElement('canvas'), SEGMENTER_INPUT);
  private maskKnown = false;
  private segmenting = false;
  /**
   * Finding the person blocks the page while it runs (MediaPipe reads its result back from
   * WebGL): at most half of the time goes to it, so frames keep flowing on a slow machine, with
   * the outline updated less often. On a fast one that is still every frame.
   */
  private nextSegmentAt = 0;
  private segmentations = 0;
  /** The canvas path's page objects (null on the insertable-streams path). */
  private video: HTMLVideoElement | null = null;
  private outputCanvas: HTMLCanvasElement | null = null;

  private constructor(
    private readonly camera: MediaStreamTrack,
    private readonly segmenter: PersonSegmenter,
    private effect: BackgroundEffect,
    private readonly events: ProcessorEvents,
    readonly path: ProcessingPath,
    readonly track: MediaStreamTrack,
    private readonly size: { width: number; height: number },
  ) {
    this.compositor = new BackgroundCompositor(size.width, size.height);
  }

  static async start(
    camera: MediaStreamTrack,
    effect: BackgroundEffect,
    events: ProcessorEvents,
  ): Promise<BackgroundProcessor> {
    const segmenter = await sharedSegmenter();
    const settings = camera.getSettings();
    const size = { width: settings.width ?? 640, height: settings.height ?? 360 };
    if (insertableStreams()) {
      const generator = new MediaStreamTrackGenerator!({ kind: 'video' });
      const processor = new BackgroundProcessor(
        camera,
        segmenter,
        effect,
        events,
        'insertable-streams',
        generator,
        size,
      );
      void processor.runInsertable(generator);
      return processor;
    }
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    const output = canvas.captureStream().getVideoTracks()[0];
    if (!output) throw new Error('canvas capture gave no track');
    const processor = new BackgroundProcessor(camera, segmenter, effect, events, 'canvas', output, size);
    processor.outputCanvas = canvas;
    processor.compositor = new BackgroundCompositor(size.width, size.height, canvas);
    await processor.runCanvas();
    return processor;
  }

  setEffect(effect: BackgroundEffect): void {
    this.effect = effect;
  }

  stats(): ProcessorStats {
    return {
      path: this.path,
      scale: this.scale,
      width: this.compositor.width,
      height: this.compositor.height,
      fps: this.fps,
      busyMs: this.budget.lastMeanMs,
      frames: this.frames,
      segmentMs: Math.round(this.segmentMs * 10) / 10,
      paintMs: Math.round(this.paintMs * 10) / 10,
    };
  }

  /** Stops processing and the output track; the camera track is left alone. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.track.stop();
    if (this.video) {
      this.video.pause();
      this.video.srcObject = null;
    }
  }

  /**
   * Paints one frame with the newest person mask; returns false when processing should stop. The
   * person is found in the background, as often as the machine manages (every frame on a fast one):
   * the picture keeps the camera's frame rate, and on a slow machine the outline lags a little.
   */
  private process(frame: CanvasImageSource): boolean {
    const started = performance.now();
    if (!this.segmenting && started >= this.nextSegmentAt) this.segment(frame);
    // Until the first mask is known, everything is background: nothing sharp slips out.
    this.compositor.paint(frame, this.maskKnown ? this.mask : null, this.effect);
    const ended = performance.now();
    this.paintMs = average(this.paintMs, ended - started);
    this.count(ended);
    const verdict = this.budget.record(ended - started, this.segmentMs, this.scale);
    if (verdict === 'lower') this.lowerResolution();
    if (verdict === 'off') {
      this.stop();
      this.events.onTooSlow();
      return false;
    }
    return true;
  }

  /** Starts finding the person in `frame`; the mask is kept for the frames that follow. */
  private segment(frame: CanvasImageSource): void {
    const { input, mask } = this;
    input.getContext('2d')?.drawImage(frame, 0, 0, input.width, input.height);
    this.segmenting = true;
    const started = performance.now();
    this.segmenter
      .segment(input, (found) => {
        // MediaPipe's mask is valid only now: keep a copy.
        const ctx = mask.getContext('2d');
        ctx?.clearRect(0, 0, mask.width, mask.height);
        ctx?.drawImage(found, 0, 0, mask.width, mask.height);
        this.maskKnown = true;
      })
      .then(
        () => {
          const ended = performance.now();
          // The first run compiles MediaPipe's shaders (seconds on a slow machine): not counted.
          if (this.segmentations++ > 0) this.segmentMs = average(this.segmentMs, ended - started);
          this.nextSegmentAt = ended + Math.min(ended - started, MAX_SEGMENT_MS);
          this.segmenting = false;
        },
        () => {
          this.segmenting = false;
        },
      );
  }

  private count(now: number): void {
    this.frames++;
    this.framesThisSecond++;
    if (now - this.secondStart >= 1000) {
      this.fps = Math.round((this.framesThisSecond * 1000) / (now - this.secondStart));
      this.framesThisSecond = 0;
      this.secondStart = now;
    }
  }

  /** Halves the processing resolution (the encoder takes the smaller picture as it comes). */
  private lowerResolution(): void {
    this.scale /= 2;
    const width = Math.max(2, Math.round((this.size.width * this.scale) / 2) * 2);
    const height = Math.max(2, Math.round((this.size.height * this.scale) / 2) * 2);
    this.compositor = new BackgroundCompositor(width, height, this.outputCanvas ?? undefined);
  }

  private async runInsertable(generator: TrackGenerator): Promise<void> {
    const reader = new MediaStreamTrackProcessor!({ track: this.camera }).readable.getReader();
    const writer = generator.writable.getWriter();
    try {
      while (!this.stopped) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) break;
        let painted: VideoFrame | null = null;
        try {
          if (this.stopped || !this.process(frame)) break;
          painted = new VideoFrame(this.compositor.canvas, { timestamp: frame.timestamp });
        } finally {
          frame.close();
        }
        await writer.write(painted);
      }
    } catch {
      // The camera or the output ended: nothing left to process.
    } finally {
      this.stop();
      void reader.cancel().catch(() => undefined);
      void writer.close().catch(() => undefined);
    }
  }

  /** The canvas path: a video element plays the camera, each new frame is painted and captured. */
  private async runCanvas(): Promise<void> {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([this.camera]);
    this.video = video;
    await video.play();
    const step = () => {
      if (this.stopped || this.camera.readyState === 'ended') {
        this.stop();
        return;
      }
      if (video.videoWidth > 0 && !this.process(video)) return;
      schedule();
    };
    const schedule = () => {
      if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(step);
      else setTimeout(step, 1000 / 30);
    };
    schedule();
  }
}

/** An exponential moving average over roughly the last 20 values. */
function average(mean: number, value: number): number {
  return mean === 0 ? value : mean + (value - mean) / 20;
}

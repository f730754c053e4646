import { fixWebmDuration } from './webm-duration';

/** One participant as the recording shows them: only those who consented are ever handed in. */
export interface RecordedSource {
  id: string;
  name: string;
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  audio: readonly MediaStreamTrack[];
}

export interface Composition {
  sources: readonly RecordedSource[];
  /** Who speaks now (framed in the grid). */
  speaker: string | null;
}

export interface FinishedRecording {
  blob: Blob;
  durationMs: number;
}

const WIDTH = 1280;
const HEIGHT = 720;
const FPS = 25;

/** The best WebM type this browser's MediaRecorder writes. */
function webmType(): string {
  for (const type of ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm']) {
    if (MediaRecorder.isTypeSupported(type)) return type;
  }
  return '';
}

/**
 * Composes the recording in this browser: a canvas with the consenting participants' video (a grid,
 * or a shared screen large with the cameras beside it) and their audio mixed with WebAudio, written
 * by MediaRecorder as WebM in memory. `composition` is asked on every frame, so someone who
 * withdraws consent or leaves is out of the next frame and the mix at once. Nothing leaves the device.
 */
export class RecordingComposer {
  private readonly canvas = document.createElement('canvas');
  private readonly context: CanvasRenderingContext2D;
  private readonly audio = new AudioContext();
  private readonly mix = this.audio.createMediaStreamDestination();
  private readonly videos = new Map<string, HTMLVideoElement>();
  private readonly audioNodes = new Map<string, MediaStreamAudioSourceNode>();
  private readonly timer: ReturnType<typeof setInterval>;
  private recorder: MediaRecorder | null = null;
  private readonly chunks: Blob[] = [];
  private startedAt = 0;
  /** The participant ids in the last frame drawn. */
  composed: readonly string[] = [];

  constructor(
    private readonly composition: () => Composition,
    private readonly onComposed: (ids: readonly string[]) => void,
  ) {
    this.canvas.width = WIDTH;
    this.canvas.height = HEIGHT;
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    this.context = context;
    void this.audio.resume().catch(() => undefined);
    this.draw();
    // A timer rather than animation frames: the recording goes on while the tab is in the background.
    this.timer = setInterval(() => this.draw(), 1000 / FPS);
  }

  get recording(): boolean {
    return this.recorder !== null;
  }

  /** Starts writing the file (the canvas has been drawn since construction). */
  record(): void {
    if (this.recorder) return;
    const video = this.canvas.captureStream(FPS).getVideoTracks();
    const stream = new MediaStream([...video, ...this.mix.stream.getAudioTracks()]);
    const type = webmType();
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    recorder.addEventListener('dataavailable', (event) => {
      if (event.data.size > 0) this.chunks.push(event.data);
    });
    recorder.start(1000);
    this.startedAt = performance.now();
    this.recorder = recorder;
  }

  /** Stops and returns the file, its duration written in; null when nothing was recorded. */
  async finish(): Promise<FinishedRecording | null> {
    clearInterval(this.timer);
    const recorder = this.recorder;
    this.recorder = null;
    let result: FinishedRecording | null = null;
    if (recorder) {
      const stopped = new Promise<void>((resolve) => recorder.addEventListener('stop', () => resolve()));
      // The length is what was captured until now: on a busy machine the encoder can take many
      // seconds to deliver its last data and say 'stop' (a clean-clone CI run: 9 s recorded, 'stop' 20 s later).
      const durationMs = performance.now() - this.startedAt;
      if (recorder.state !== 'inactive') recorder.stop();
      await stopped;
      for (const track of recorder.stream.getTracks()) track.stop();
      const raw = new Blob(this.chunks, { type: recorder.mimeType || 'video/webm' });
      result = { blob: await fixWebmDuration(raw, durationMs), durationMs };
    }
    this.dispose();
    return result;
  }

  private dispose(): void {
    clearInterval(this.timer);
    for (const video of this.videos.values()) video.srcObject = null;
    this.videos.clear();
    for (const node of this.audioNodes.values()) node.disconnect();
    this.audioNodes.clear();
    void this.audio.close().catch(() => undefined);
  }

  private draw(): void {
    const { sources, speaker } = this.composition();
    this.syncAudio(sources);
    const ctx = this.context;
    ctx.fillStyle = '#111';
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    const screen = sources.find((s) => s.screen !== null && s.screen.readyState === 'live');
    const used = new Set<string>();
    if (screen?.screen) {
      const side = Math.round(WIDTH * 0.2);
      this.drawTrack(screen.screen, 0, 0, WIDTH - side, HEIGHT, false, used);
      const cams = sources.slice(0, 4);
      const h = HEIGHT / Math.max(cams.length, 1);
      cams.forEach((source, i) => {
        this.drawTile(source, WIDTH - side, i * h, side, h, source.id === speaker, used);
      });
    } else {
      const n = sources.length;
      const cols = Math.max(1, Math.ceil(Math.sqrt(n)));
      const rows = Math.max(1, Math.ceil(n / cols));
      const w = WIDTH / cols;
      const h = HEIGHT / rows;
      sources.forEach((source, i) => {
        this.drawTile(source, (i % cols) * w, Math.floor(i / cols) * h, w, h, source.id === speaker, used);
      });
    }
    // Video elements of tracks no longer shown go.
    for (const [id, video] of this.videos) {
      if (used.has(id)) continue;
      video.srcObject = null;
      this.videos.delete(id);
    }
    const ids = sources.map((s) => s.id);
    if (ids.join() !== this.composed.join()) {
      this.composed = ids;
      this.onComposed(ids);
    }
  }

  private drawTile(
    source: RecordedSource,
    x: number,
    y: number,
    w: number,
    h: number,
    speaking: boolean,
    used: Set<string>,
  ): void {
    const ctx = this.context;
    const pad = 4;
    ctx.fillStyle = '#2a2d34';
    ctx.fillRect(x + pad, y + pad, w - 2 * pad, h - 2 * pad);
    if (source.camera && source.camera.readyState === 'live' && source.camera.enabled) {
      this.drawTrack(source.camera, x + pad, y + pad, w - 2 * pad, h - 2 * pad, true, used);
    }
    if (speaking) {
      ctx.strokeStyle = '#4f9cf9';
      ctx.lineWidth = 4;
      ctx.strokeRect(x + pad, y + pad, w - 2 * pad, h - 2 * pad);
    }
    ctx.font = `${Math.max(14, Math.round(h / 14))}px sans-serif`;
    ctx.fillStyle = 'rgba(0,0,0,0.55)';
    const label = source.name.slice(0, 64);
    const tw = ctx.measureText(label).width;
    ctx.fillRect(x + pad + 8, y + h - pad - 36, tw + 16, 28);
    ctx.fillStyle = '#fff';
    ctx.fillText(label, x + pad + 16, y + h - pad - 16);
  }

  /** Draws a track's current frame into the box: `cover` fills it (cropping), else it fits inside. */
  private drawTrack(
    track: MediaStreamTrack,
    x: number,
    y: number,
    w: number,
    h: number,
    cover: boolean,
    used: Set<string>,
  ): void {
    used.add(track.id);
    let video = this.videos.get(track.id);
    if (!video) {
      video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.srcObject = new MediaStream([track]);
      void video.play().catch(() => undefined);
      this.videos.set(track.id, video);
    }
    if (video.readyState < 2 || video.videoWidth === 0) return;
    const scale = (cover ? Math.max : Math.min)(w / video.videoWidth, h / video.videoHeight);
    const dw = video.videoWidth * scale;
    const dh = video.videoHeight * scale;
    const ctx = this.context;
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w, h);
    ctx.clip();
    ctx.drawImage(video, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
    ctx.restore();
  }

  /** The mix holds exactly the audio of the sources handed in now. */
  private syncAudio(sources: readonly RecordedSource[]): void {
    const wanted = new Map<string, MediaStreamTrack>();
    for (const source of sources) {
      for (const track of source.audio) if (track.readyState === 'live') wanted.set(track.id, track);
    }
    for (const [id, node] of this.audioNodes) {
      if (wanted.has(id)) continue;
      node.disconnect();
      this.audioNodes.delete(id);
    }
    for (const [id, track] of wanted) {
      if (this.audioNodes.has(id)) continue;
      const node = this.audio.createMediaStreamSource(new MediaStream([track]));
      node.connect(this.mix);
      this.audioNodes.set(id, node);
    }
  }
}

import type { BackgroundChoice } from '../media-processing/background-choice';
import { CameraBackground } from '../media-processing/camera-background';
import { NoiseChain } from '../media-processing/noise-chain';
import { loadNoiseSuppression, saveNoiseSuppression } from '../media-processing/noise-setting';
import { startRnnoise } from '../media-processing/rnnoise-suppressor';
import { Store } from '../state/store';

/** Why a device is not available. */
export type MediaProblem = 'denied' | 'missing' | 'failed' | 'unsupported';

export interface DeviceState {
  /** The live track, or null while off or unavailable. */
  track: MediaStreamTrack | null;
  /** What the user wants: on (sending) or off. */
  on: boolean;
  /** A request for the device is under way. */
  starting: boolean;
  problem: MediaProblem | null;
}

export interface LocalMediaState {
  mic: DeviceState;
  camera: DeviceState;
}

const CAMERA_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30, max: 30 },
};
const MIC_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

const idle = (on: boolean): DeviceState => ({ track: null, on, starting: on, problem: null });

/**
 * This participant's microphone and camera, from the pre-join screen until leaving. The microphone
 * is muted by disabling its track (instant, the device stays open); the camera is switched off by
 * stopping its track, so the camera light goes out.
 */
export class LocalMedia {
  readonly state: Store<LocalMediaState>;
  /** Groups microphone and camera for the publish connection (one media stream id per participant). */
  readonly stream = new MediaStream();
  /** Settles when the first request for devices is answered (granted, denied or missing). */
  readonly ready: Promise<void>;
  private stopped = false;
  /** Counts camera requests, so an answer that arrives after a newer request is dropped. */
  private cameraGeneration = 0;
  /** Devices the person picked on the pre-join screen; the browser's default until then. */
  private readonly deviceIds: DeviceIds = {};
  /** Noise suppression on the microphone: decides whether the raw or the cleaned track is sent. */
  readonly noise = new NoiseChain(startRnnoise, loadNoiseSuppression());
  /** Background blur or picture: `camera.track` is its output while an effect is chosen. */
  readonly background = new CameraBackground((track) => this.replaceCameraTrack(track));
  private readonly cameraReplaced = new Set<(track: MediaStreamTrack) => void>();

  constructor(initial: { mic: boolean; camera: boolean }) {
    this.state = new Store({ mic: idle(initial.mic), camera: idle(initial.camera) });
    this.ready = this.acquireInitial(initial);
  }

  get mic(): DeviceState {
    return this.state.get().mic;
  }

  get camera(): DeviceState {
    return this.state.get().camera;
  }

  /** Mutes or unmutes the microphone; opens it first when it is not open yet. Returns the live track. */
  async setMicOn(on: boolean): Promise<MediaStreamTrack | null> {
    let track = this.mic.track;
    if (on && !track) {
      await this.ready;
      track = this.mic.track;
    }
    if (on && !track) {
      this.patch('mic', { starting: true, problem: null });
      const result = await requestDevice('audio', this.deviceIds);
      track = result.track;
      if (this.stopped) {
        track?.stop();
        return null;
      }
      this.adopt('mic', track);
      this.patch('mic', { track, starting: false, problem: result.problem });
    }
    if (track) track.enabled = on;
    this.patch('mic', { on: on && track !== null });
    return track;
  }

  /** Starts the camera (a fresh track) or stops it (light off). Returns the new track when started. */
  async setCameraOn(on: boolean): Promise<MediaStreamTrack | null> {
    const generation = ++this.cameraGeneration;
    if (!on) {
      this.releaseTrack('camera');
      this.patch('camera', { on: false, starting: false });
      return null;
    }
    if (this.camera.track) return this.camera.track;
    this.patch('camera', { on: true, starting: true, problem: null });
    const { track: plain, problem } = await requestDevice('video', this.deviceIds);
    const track = plain && (await this.background.wrap(plain));
    if (this.stopped || generation !== this.cameraGeneration) {
      // Stopped, or switched off or on again while the camera was starting.
      if (track !== plain) this.background.release();
      track?.stop();
      plain?.stop();
      return null;
    }
    this.adopt('camera', track);
    this.patch('camera', { track, on: track !== null, starting: false, problem });
    return track;
  }

  /**
   * The microphone track to send: the cleaned one while noise suppression is on, else the raw
   * `mic.track` (muting disables the raw track, so both fall silent). Null without a microphone.
   */
  async micToSend(): Promise<MediaStreamTrack | null> {
    const raw = this.mic.track;
    return raw ? this.noise.output(raw) : null;
  }

  /**
   * Switches noise suppression and remembers the choice on this device. Returns the track to send
   * from now on when the microphone is already being sent (swap it in with replaceTrack), else null.
   */
  setNoiseSuppression(on: boolean): Promise<MediaStreamTrack | null> {
    saveNoiseSuppression(on);
    return this.noise.setWanted(on);
  }

  /** The device in use for `device` (its browser id), or null when none is open. */
  deviceIdOf(device: 'mic' | 'camera'): string | null {
    const track = device === 'camera' ? (this.background.cameraTrack() ?? this.camera.track) : this.mic.track;
    return track?.getSettings().deviceId ?? null;
  }

  /**
   * Uses another microphone or camera: the open one is closed and the chosen one opened in its
   * place, keeping whether it is on. For the pre-join screen, before anything is published.
   */
  async chooseDevice(device: 'mic' | 'camera', deviceId: string): Promise<void> {
    this.deviceIds[device === 'mic' ? 'audio' : 'video'] = deviceId;
    const wasOn = this.state.get()[device].on;
    if (device === 'camera') {
      if (!wasOn) return;
      await this.setCameraOn(false);
      await this.setCameraOn(true);
      return;
    }
    await this.ready;
    this.releaseTrack('mic');
    await this.setMicOn(true);
    if (!wasOn) await this.setMicOn(false);
  }

  /** Stops every device. */
  stop(): void {
    this.stopped = true;
    this.noise.close();
    this.releaseTrack('mic');
    this.releaseTrack('camera');
  }

  private async acquireInitial(initial: { mic: boolean; camera: boolean }): Promise<void> {
    // The microphone is opened even when starting muted, so unmuting later is instant.
    const generation = this.cameraGeneration;
    const result = await requestDevices(true, initial.camera);
    if (this.stopped) {
      result.audio.track?.stop();
      result.video.track?.stop();
      return;
    }
    const mic = result.audio.track;
    // The user may have switched the microphone off (or on) while the browser was asking.
    const micWanted = this.mic.on;
    if (mic) mic.enabled = micWanted;
    this.adopt('mic', mic);
    this.patch('mic', {
      track: mic,
      on: micWanted && mic !== null,
      starting: false,
      problem: result.audio.problem,
    });
    const plain = result.video.track;
    const camera = plain && initial.camera ? await this.background.wrap(plain) : plain;
    if (initial.camera && generation === this.cameraGeneration && !this.stopped) {
      this.adopt('camera', camera);
      this.patch('camera', {
        track: camera,
        on: camera !== null,
        starting: false,
        problem: result.video.problem,
      });
    } else {
      if (camera !== plain) this.background.release();
      camera?.stop();
      plain?.stop();
    }
  }

  /** Listens for a new outgoing camera track while the camera runs (background switched). */
  onCameraReplaced(listener: (track: MediaStreamTrack) => void): () => void {
    this.cameraReplaced.add(listener);
    return () => this.cameraReplaced.delete(listener);
  }

  /** Chooses the camera's background (remembered on this device); applied at once when it runs. */
  chooseBackground(choice: BackgroundChoice): Promise<void> {
    const plain = this.background.cameraTrack() ?? this.camera.track;
    return this.background.choose(choice, this.camera.on ? plain : null);
  }

  /** Puts `track` in the camera's place (background effect switched on or off). */
  private replaceCameraTrack(track: MediaStreamTrack): void {
    const old = this.camera.track;
    if (!old || old === track) return;
    this.stream.removeTrack(old);
    this.stream.addTrack(track);
    this.patch('camera', { track });
    for (const listener of this.cameraReplaced) listener(track);
  }

  private adopt(device: 'mic' | 'camera', track: MediaStreamTrack | null): void {
    if (!track) return;
    this.stream.addTrack(track);
    // With a background effect, `track` is the effect's output: the camera's own track ends instead.
    const source = device === 'camera' ? (this.background.cameraTrack() ?? track) : track;
    source.addEventListener('ended', () => {
      // Unplugged, or revoked in the browser: show it as off.
      const current = this.state.get()[device].track;
      const mine =
        current === track ||
        current === source ||
        (device === 'camera' && this.background.cameraTrack() === source);
      if (mine) {
        if (current) this.stream.removeTrack(current);
        if (device === 'camera') this.background.release();
        this.patch(device, { track: null, on: false, problem: 'failed' });
      }
    });
  }

  private releaseTrack(device: 'mic' | 'camera'): void {
    const track = this.state.get()[device].track;
    if (!track) return;
    if (device === 'mic') this.noise.detach();
    const plain = device === 'camera' ? this.background.cameraTrack() : null;
    if (device === 'camera') this.background.release();
    plain?.stop();
    this.patch(device, { track: null });
    track.stop();
    this.stream.removeTrack(track);
  }

  private patch(device: 'mic' | 'camera', change: Partial<DeviceState>): void {
    this.state.update((state) => ({ ...state, [device]: { ...state[device], ...change } }));
  }
}

/** Chosen device ids by kind; absent means the browser's default. */
interface DeviceIds {
  audio?: string;
  video?: string;
}

interface DeviceResult {
  track: MediaStreamTrack | null;
  problem: MediaProblem | null;
}

/** Asks for microphone and camera together (one permission prompt) and falls back to each alone. */
async function requestDevices(
  audio: boolean,
  video: boolean,
  ids: DeviceIds = {},
): Promise<{ audio: DeviceResult; video: DeviceResult }> {
  const none: DeviceResult = { track: null, problem: null };
  if (!audio && !video) return { audio: none, video: none };
  if (!navigator.mediaDevices?.getUserMedia) {
    const unsupported: DeviceResult = { track: null, problem: 'unsupported' };
    return { audio: audio ? unsupported : none, video: video ? unsupported : none };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: audio ? withDevice(MIC_CONSTRAINTS, ids.audio) : false,
      video: video ? withDevice(CAMERA_CONSTRAINTS, ids.video) : false,
    });
    return {
      audio: { track: stream.getAudioTracks()[0] ?? null, problem: null },
      video: { track: stream.getVideoTracks()[0] ?? null, problem: null },
    };
  } catch (error) {
    if (!(audio && video)) {
      const result: DeviceResult = { track: null, problem: classify(error) };
      return { audio: audio ? result : none, video: video ? result : none };
    }
    // One of the two may be missing or refused; find out which by asking for each alone.
    return { audio: await requestDevice('audio', ids), video: await requestDevice('video', ids) };
  }
}

function withDevice(constraints: MediaTrackConstraints, deviceId: string | undefined): MediaTrackConstraints {
  return deviceId ? { ...constraints, deviceId: { exact: deviceId } } : constraints;
}

async function requestDevice(kind: 'audio' | 'video', ids: DeviceIds = {}): Promise<DeviceResult> {
  const result = await requestDevices(kind === 'audio', kind === 'video', ids);
  return kind === 'audio' ? result.audio : result.video;
}

function classify(error: unknown): MediaProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
    return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError')
    return 'missing';
  return 'failed';
}

/** Captures a screen, window or tab chosen by the user; null when they cancel. */
export async function captureScreen(): Promise<{ stream: MediaStream; problem: MediaProblem | null }> {
  if (!navigator.mediaDevices?.getDisplayMedia) return { stream: new MediaStream(), problem: 'unsupported' };
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: 15, max: 30 } },
      audio: true,
    });
    return { stream, problem: null };
  } catch (error) {
    return { stream: new MediaStream(), problem: classify(error) };
  }
}

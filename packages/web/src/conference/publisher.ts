import { kindOfSource, type PublishedTrack, type TrackKind, type TrackSource } from '@parley/protocol';
import { SIMULCAST_ENCODINGS, scaleLayers, setLayersActive } from './camera-layers';
import {
  type CodecChoice,
  codecPreferences,
  firstCodec,
  PLAIN_CODECS,
  preferCodecs,
  SIMULCAST_CODECS,
  sameCodecs,
  setScalability,
  VP9_SVC_MODE,
} from './codec-preferences';
import type { SignalingClient } from './signaling';

/** One source's transceiver on the publish connection. Kept when unpublished so it can be reused. */
interface Slot {
  transceiver: RTCRtpTransceiver;
  /** Listed in `publish` requests: the server forwards it (possibly muted). */
  published: boolean;
}

/**
 * Camera simulcast: Chromium sends three VP8 layers (¼, ½ and full resolution) when its offer lists
 * three SSRCs in an `a=ssrc-group:SIM` (SSRC-based simulcast; the SFU routes by SSRC). The extra
 * SSRCs (and their RTX partners) are chosen once and kept across renegotiations.
 */
const SIMULCAST_LAYERS = 3;
/** Switch for camera simulcast (the SFU forwards a single stream just as well). */
const SIMULCAST_ENABLED = true;
/**
 * The same layers by RID (`sendEncodings`, RFC 8853), for browsers that announce an SSRC per RID
 * layer in their offers (Firefox): the SFU's packet router needs the SSRCs, and learns which is
 * which RID from the packets. Lowest first, like the SSRC layers.
 */
const RID_ENCODINGS: RTCRtpEncodingParameters[] = SIMULCAST_ENCODINGS.map((encoding, index) => ({
  rid: ['l', 'm', 'h'][index]!,
  ...encoding,
}));

/** Every camera layer on: what the SFU expects of a camera it has not asked anything of yet. */
const ALL_LAYERS: readonly boolean[] = SIMULCAST_ENCODINGS.map(() => true);

/** How this browser sends camera simulcast that the SFU can route. */
export type SimulcastMode = 'rid' | 'ssrc';

let simulcastModeProbe: Promise<SimulcastMode> | null = null;

/**
 * Feature check, once per page: `rid` when an offer with RID layers announces an SSRC for each of
 * them (Firefox), else `ssrc` (Chromium announces none; it takes SSRC layers munged into its offer).
 */
export function simulcastMode(): Promise<SimulcastMode> {
  simulcastModeProbe ??= (async (): Promise<SimulcastMode> => {
    if (typeof RTCPeerConnection === 'undefined') return 'ssrc';
    let pc: RTCPeerConnection | null = null;
    try {
      pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'sendonly', sendEncodings: RID_ENCODINGS });
      const { sdp = '' } = await pc.createOffer();
      return ridLayersAnnounced(sdp, RID_ENCODINGS.length) ? 'rid' : 'ssrc';
    } catch {
      return 'ssrc';
    } finally {
      pc?.close();
    }
  })();
  return simulcastModeProbe;
}

/** Tests: run the feature check again with the next publisher. */
export function forgetSimulcastMode(): void {
  simulcastModeProbe = null;
}

/** Whether a video m-line offers RID simulcast and announces at least `layers` media SSRCs. */
export function ridLayersAnnounced(sdp: string, layers: number): boolean {
  const lines = sdp.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith('m=video'));
  if (start < 0) return false;
  let end = lines.findIndex((line, i) => i > start && line.startsWith('m='));
  if (end < 0) end = lines.length;
  const section = lines.slice(start, end);
  if (!section.some((line) => line.startsWith('a=simulcast:send'))) return false;
  const repair = new Set(
    section.filter((line) => line.startsWith('a=ssrc-group:FID ')).map((line) => line.split(' ')[2] ?? ''),
  );
  const media = new Set(
    section
      .filter((line) => line.startsWith('a=ssrc:'))
      .map((line) => line.slice(7).split(' ')[0] ?? '')
      .filter((ssrc) => !repair.has(ssrc)),
  );
  return media.size >= layers;
}

interface SimulcastSsrcs {
  layers: [number, number][] | null;
}

export interface PublisherEvents {
  /** The media connection failed for good (ICE or DTLS). */
  onFailed(): void;
  /** Called right after a sender is created (end-to-end encryption attaches its frame transform). */
  attachSender?(sender: RTCRtpSender, kind: TrackKind, source: TrackSource): void;
}

/**
 * The publish connection: sends this participant's microphone, camera and screen. The browser
 * always offers; every change of the published set renegotiates, one negotiation at a time.
 */
export class Publisher {
  private readonly pc: RTCPeerConnection;
  private readonly slots = new Map<TrackSource, Slot>();
  /** The last negotiation (settled); the next one starts after it. */
  private running: Promise<void> = Promise.resolve();
  /** A negotiation that is queued but has not started: later changes ride along with it. */
  private queued: Promise<void> | null = null;
  private closed = false;
  /** Extra layer SSRCs of the camera, [media, rtx] per layer above the first; set on first use. */
  private readonly simulcast: SimulcastSsrcs = { layers: null };
  /** Chromium refused the munged offer once: publish a single layer from then on. */
  private simulcastRefused = false;
  /** How the camera's layers are announced; SSRC munging until the feature check has answered. */
  private simulcastMode: SimulcastMode = 'ssrc';
  /** Settles when the feature check has answered (see `prepared`). */
  private readonly probed: Promise<void>;
  /** The codecs asked for now (setCodecs); each where this browser has it. */
  private codecs: CodecChoice = PLAIN_CODECS;
  /** The camera's first codec preference as set (a mime type; null: the browser's own order). */
  private cameraCodec: string | null = null;
  /** The camera's layers the SFU last asked for (`simulcast-layers`); null: all, nothing asked. */
  private cameraLayers: readonly boolean[] | null = null;

  constructor(
    private readonly signaling: SignalingClient,
    config: RTCConfiguration,
    private readonly events: PublisherEvents,
  ) {
    this.pc = new RTCPeerConnection(config);
    this.pc.addEventListener('connectionstatechange', () => {
      if (this.pc.connectionState === 'failed' && !this.closed) events.onFailed();
    });
    this.probed = simulcastMode().then((mode) => {
      this.simulcastMode = mode;
    });
  }

  /** Resolves once the browser's simulcast support is known (call before the first publish). */
  prepared(): Promise<void> {
    return this.probed;
  }

  /** Whether `source` is currently in the published set. */
  isPublished(source: TrackSource): boolean {
    return this.slots.get(source)?.published ?? false;
  }

  /**
   * Sends `track` as `source`. A new or previously unpublished source needs `negotiate()` afterwards;
   * replacing the track of a published source does not.
   * @returns true when the published set changed and a negotiation is needed.
   */
  publish(source: TrackSource, track: MediaStreamTrack, stream: MediaStream): boolean {
    const slot = this.slots.get(source);
    if (!slot) {
      const preferences = codecPreferences(kindOfSource(source), this.codecs);
      if (source === 'camera') this.cameraCodec = firstCodec(preferences);
      const rid =
        SIMULCAST_ENABLED && source === 'camera' && this.simulcastMode === 'rid' && this.cameraSimulcast;
      const transceiver = this.pc.addTransceiver(track, {
        direction: 'sendonly',
        streams: [stream],
        ...(rid && { sendEncodings: RID_ENCODINGS }),
      });
      this.events.attachSender?.(transceiver.sender, kindOfSource(source), source);
      preferCodecs(transceiver, preferences);
      this.slots.set(source, { transceiver, published: true });
      return true;
    }
    void slot.transceiver.sender.replaceTrack(track);
    slot.transceiver.sender.setStreams?.(stream);
    if (slot.published) return false;
    slot.transceiver.direction = 'sendonly';
    slot.published = true;
    return true;
  }

  /**
   * Publish in `choice` from the next negotiation on (VP8 and plain Opus where this browser lacks the
   * codec): the meeting's codecs, or VP8 and plain Opus while end-to-end encryption is on (its frame
   * transform keeps VP8's header readable; an encrypted H.264 frame would break the browser's
   * packetizer, and encrypted RED the SFU's reading of it).
   * @returns true when a published track's codecs changed and a negotiation is needed.
   */
  setCodecs(choice: CodecChoice): boolean {
    const previous = this.codecs;
    if (sameCodecs(choice, previous)) return false;
    this.codecs = choice;
    let changed = false;
    for (const [source, slot] of this.slots) {
      const kind = kindOfSource(source);
      if (
        kind === 'video' ? choice.video === previous.video : choice.redundantAudio === previous.redundantAudio
      )
        continue;
      const preferences = codecPreferences(kind, choice);
      preferCodecs(slot.transceiver, preferences);
      if (source === 'camera') this.cameraCodec = firstCodec(preferences);
      // Another codec is another publication on the SFU, which starts with every layer.
      if (source === 'camera') this.cameraLayers = ALL_LAYERS;
      changed ||= slot.published;
    }
    return changed;
  }

  /**
   * The SFU's `simulcast-layers`: send only the camera's encodings flagged (after any negotiation
   * running now; every later one applies them again). Other sources have one stream.
   */
  setActiveLayers(source: TrackSource, active: readonly boolean[]): Promise<void> {
    if (source !== 'camera') return Promise.resolve();
    this.cameraLayers = active;
    return this.running.then(() => this.applyCameraLayers());
  }

  private async applyCameraLayers(): Promise<void> {
    const camera = this.slots.get('camera')?.transceiver.sender;
    if (camera && this.cameraLayers && !this.closed) await setLayersActive(camera, this.cameraLayers);
  }

  /** Whether the camera's codec (as preferred; the browser's first otherwise) goes out as simulcast. */
  private get cameraSimulcast(): boolean {
    return this.cameraCodec === null || SIMULCAST_CODECS.has(this.cameraCodec);
  }

  /** Keeps `source` published but sends nothing (camera switched off): no renegotiation. */
  async replaceTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    const slot = this.slots.get(source);
    if (slot) await slot.transceiver.sender.replaceTrack(track);
  }

  /**
   * Stops sending `source` and drops it from the published set; the transceiver stays for reuse.
   * @returns true when the published set changed and a negotiation is needed.
   */
  unpublish(source: TrackSource): boolean {
    const slot = this.slots.get(source);
    if (!slot?.published) return false;
    void slot.transceiver.sender.replaceTrack(null);
    slot.transceiver.direction = 'inactive';
    slot.published = false;
    // Published again, the camera is a new publication on the SFU, which starts with every layer.
    if (source === 'camera') this.cameraLayers = ALL_LAYERS;
    return true;
  }

  /**
   * Offers the current published set to the server and applies its answer. Calls made while a
   * negotiation is queued share it; calls made while one runs queue the next.
   */
  negotiate(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(() => {
      this.queued = null;
      return this.closed ? undefined : this.runNegotiation();
    });
    this.queued = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.closed = true;
    this.pc.close();
  }

  private async runNegotiation(): Promise<void> {
    const offer = await this.pc.createOffer();
    const cameraTrackId = this.slots.get('camera')?.transceiver.sender.track?.id;
    const simulcast =
      SIMULCAST_ENABLED &&
      cameraTrackId &&
      !this.simulcastRefused &&
      this.simulcastMode === 'ssrc' &&
      this.cameraSimulcast
        ? addSimulcast(offer.sdp ?? '', cameraTrackId, this.simulcast)
        : null;
    if (simulcast) {
      try {
        await this.pc.setLocalDescription({ type: 'offer', sdp: simulcast });
        offer.sdp = simulcast;
      } catch {
        // This browser does not take SSRC simulcast from SDP: one layer is still a working call.
        this.simulcastRefused = true;
        await this.pc.setLocalDescription(offer);
      }
    } else {
      await this.pc.setLocalDescription(offer);
    }
    const camera = this.slots.get('camera')?.transceiver.sender;
    if (simulcast && !this.simulcastRefused && camera) await scaleLayers(camera);
    else if (camera) await setScalability(camera, this.cameraCodec === 'video/vp9' ? VP9_SVC_MODE : null);
    await this.applyCameraLayers();
    // mids are assigned by setLocalDescription, so the list is built after it.
    const tracks: PublishedTrack[] = [];
    for (const [source, slot] of this.slots) {
      if (slot.published && slot.transceiver.mid !== null) {
        const track = slot.transceiver.sender.track;
        tracks.push({ mid: slot.transceiver.mid, source, muted: !track?.enabled });
      }
    }
    const { sdp } = await this.signaling.request('publish', { sdp: offer.sdp ?? '', tracks });
    if (this.closed) return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }
}

/**
 * Add SSRC simulcast to the m-line that sends `trackId`: copy its SSRC's attribute lines (cname,
 * msid) for two more layers, each with an RTX partner when the original has one, and group them.
 */
function addSimulcast(sdp: string, trackId: string, state: SimulcastSsrcs): string | null {
  const lines = sdp.split('\r\n').filter((line) => line !== '');
  // The m-line section that carries the track.
  let start = -1;
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('m=')) continue;
    if (start >= 0) {
      end = i;
      break;
    }
    let next = lines.findIndex((line, j) => j > i && line.startsWith('m='));
    if (next < 0) next = lines.length;
    if (lines.slice(i, next).some((line) => line.startsWith('a=msid:') && line.endsWith(` ${trackId}`))) {
      start = i;
    } else {
      i = next - 1;
    }
  }
  if (start < 0) return null;
  const section = lines.slice(start, end);
  if (section.some((line) => line.startsWith('a=ssrc-group:SIM'))) return sdp;
  const fid = section.find((line) => line.startsWith('a=ssrc-group:FID '));
  const firstSsrc = section.find((line) => line.startsWith('a=ssrc:'));
  if (!firstSsrc) return null;
  const [media, rtx] = fid
    ? fid.slice('a=ssrc-group:FID '.length).split(' ').map(Number)
    : [Number(firstSsrc.slice(7).split(' ')[0]), undefined];
  if (!media) return null;
  state.layers ??= Array.from({ length: SIMULCAST_LAYERS - 1 }, () => [randomSsrc(), randomSsrc()]);
  const attributesOf = (ssrc: number) =>
    section
      .filter((line) => line.startsWith(`a=ssrc:${ssrc} `))
      .map((line) => line.slice(`a=ssrc:${ssrc} `.length));
  const added: string[] = [];
  for (const [layerSsrc, layerRtx] of state.layers) {
    for (const attribute of attributesOf(media)) added.push(`a=ssrc:${layerSsrc} ${attribute}`);
    if (rtx !== undefined) {
      for (const attribute of attributesOf(rtx)) added.push(`a=ssrc:${layerRtx} ${attribute}`);
      added.push(`a=ssrc-group:FID ${layerSsrc} ${layerRtx}`);
    }
  }
  added.push(`a=ssrc-group:SIM ${media} ${state.layers.map(([ssrc]) => ssrc).join(' ')}`);
  return `${[...lines.slice(0, end), ...added, ...lines.slice(end)].join('\r\n')}\r\n`;
}

function randomSsrc(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! || 1;
}

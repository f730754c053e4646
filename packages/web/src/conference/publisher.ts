import { kindOfSource, type PublishedTrack, type TrackKind, type TrackSource } from '@parley/protocol';
import type { SignalingClient } from './signaling';

/** The only codecs Parley's SFU forwards. */
const CODEC_BY_KIND: Record<TrackKind, string> = { video: 'video/vp8', audio: 'audio/opus' };

/** One source's transceiver on the publish connection. Kept when unpublished so it can be reused. */
interface Slot {
  transceiver: RTCRtpTransceiver;
  /** Listed in `publish` requests: the server forwards it (possibly muted). */
  published: boolean;
}

export interface PublisherEvents {
  /** The media connection failed for good (ICE or DTLS). */
  onFailed(): void;
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

  constructor(
    private readonly signaling: SignalingClient,
    config: RTCConfiguration,
    events: PublisherEvents,
  ) {
    this.pc = new RTCPeerConnection(config);
    this.pc.addEventListener('connectionstatechange', () => {
      if (this.pc.connectionState === 'failed' && !this.closed) events.onFailed();
    });
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
      const transceiver = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      preferCodec(transceiver, kindOfSource(source));
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
    await this.pc.setLocalDescription(offer);
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

/** Restricts a transceiver to the one codec the SFU forwards for its kind, when the browser allows it. */
function preferCodec(transceiver: RTCRtpTransceiver, kind: TrackKind): void {
  if (typeof transceiver.setCodecPreferences !== 'function') return;
  const capabilities = RTCRtpSender.getCapabilities(kind);
  if (!capabilities) return;
  const wanted = CODEC_BY_KIND[kind];
  const codecs = capabilities.codecs.filter((codec) => codec.mimeType.toLowerCase() === wanted);
  if (codecs.length > 0) transceiver.setCodecPreferences(codecs);
}

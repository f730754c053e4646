import type { TrackKind, VideoCodec } from '@parley/protocol';

/*
 * Which codecs the publish connection offers, in which order (issue 18.4, docs/codecs.md): the SFU
 * takes the first one it forwards, so this order is the publisher's codec choice.
 */

/** The codecs a publisher is asked to use now (Publisher.setCodecs). */
export interface CodecChoice {
  /** The meeting's video codec, or VP8 under end-to-end encryption. */
  video: VideoCodec;
  /**
   * Opus with RFC 2198 redundancy (RED, each packet carries the previous frame too: a lost packet
   * costs no sound), off under end-to-end encryption: the SFU must read the RED headers to give
   * subscribers without RED the plain Opus inside, and an encrypted payload hides them.
   */
  redundantAudio: boolean;
}

/** Whether two choices ask for the same codecs. */
export function sameCodecs(a: CodecChoice, b: CodecChoice): boolean {
  return a.video === b.video && a.redundantAudio === b.redundantAudio;
}

/** Before the server says otherwise (`joined`), and under end-to-end encryption: VP8, plain Opus. */
export const PLAIN_CODECS: CodecChoice = { video: 'vp8', redundantAudio: false };

/**
 * What the publish connection offers: for audio Opus (RED first when chosen: libwebrtc sends RED
 * when it is the first audio format); for video the chosen codec, VP8 after it (the SFU takes the
 * first it forwards, and VP8 every browser has), and the retransmission format (RFC 4588 RTX): with
 * RTX the browser answers NACKs and pads its bandwidth probes on a stream of its own, so padding
 * never takes sequence numbers of the video (a lost padding packet would be a hole no one can fill).
 */
function codecsFor(kind: TrackKind, choice: CodecChoice): readonly string[] {
  if (kind === 'audio') return choice.redundantAudio ? ['audio/red', 'audio/opus'] : ['audio/opus'];
  return choice.video === 'vp8'
    ? ['video/vp8', 'video/rtx']
    : [`video/${choice.video}`, 'video/vp8', 'video/rtx'];
}

/**
 * The formats of a codec the SFU forwards as they are to every subscriber: H.264 in packetization
 * mode 1 (mode 0 cannot carry a large frame), VP9 and AV1 in profile 0 (what every decoder takes).
 */
function forwardable(codec: RTCRtpCodec): boolean {
  const parameters = new Map(
    (codec.sdpFmtpLine ?? '')
      .split(';')
      .map((pair) => pair.trim().split('=') as [string, string | undefined])
      .filter(([name]) => name !== ''),
  );
  switch (codec.mimeType.toLowerCase()) {
    case 'video/h264':
      return parameters.get('packetization-mode') === '1';
    case 'video/vp9':
      return (parameters.get('profile-id') ?? '0') === '0';
    case 'video/av1':
      return (parameters.get('profile') ?? '0') === '0';
    default:
      return true;
  }
}

/**
 * Codecs Chromium sends as simulcast from three SSRCs or RIDs. With VP9 or AV1 it sends only the
 * first (¼-size) stream: those go out as one full-size stream instead (measured here: 180p only).
 */
export const SIMULCAST_CODECS: ReadonlySet<string> = new Set(['video/vp8', 'video/h264']);
/**
 * The codecs the SFU forwards for a kind (codecsFor) that this browser sends, in that order of
 * preference; null when it cannot say or sends none of them (then its own order stands).
 */
export function codecPreferences(kind: TrackKind, choice: CodecChoice): RTCRtpCodec[] | null {
  const capabilities = globalThis.RTCRtpSender?.getCapabilities?.(kind);
  if (!capabilities) return null;
  const ordered = codecsFor(kind, choice).flatMap((mimeType) =>
    capabilities.codecs.filter((codec) => codec.mimeType.toLowerCase() === mimeType && forwardable(codec)),
  );
  return firstCodec(ordered) === null ? null : ordered;
}

/** The first media codec (not RTX or RED) of a preference list, as a lower-case mime type. */
export function firstCodec(preferences: readonly RTCRtpCodec[] | null): string | null {
  const first = preferences?.find(
    (codec) => !['video/rtx', 'audio/red'].includes(codec.mimeType.toLowerCase()),
  );
  return first ? first.mimeType.toLowerCase() : null;
}

/** Restricts a transceiver to `preferences`, when the browser allows it. */
export function preferCodecs(transceiver: RTCRtpTransceiver, preferences: RTCRtpCodec[] | null): void {
  if (preferences && typeof transceiver.setCodecPreferences === 'function')
    transceiver.setCodecPreferences(preferences);
}

/**
 * A VP9 camera goes out as one stream with three spatial and three temporal layers, inter-layer
 * prediction on key pictures only (K-SVC): the SFU leaves out, per subscriber, the layers above the size
 * it shows (packages/sfu/src/simulcast/svc-layers.ts), as it picks a simulcast layer for VP8.
 */
export const VP9_SVC_MODE = 'L3T3_KEY';

/** Give the sender's one encoding `mode` (null: none, for a codec other than VP9). */
export async function setScalability(sender: RTCRtpSender, mode: string | null): Promise<void> {
  if (typeof sender.getParameters !== 'function') return;
  const parameters = sender.getParameters();
  const encoding = parameters.encodings[0] as
    | (RTCRtpEncodingParameters & { scalabilityMode?: string })
    | undefined;
  if (parameters.encodings.length !== 1 || encoding === undefined) return;
  if ((encoding.scalabilityMode ?? null) === mode) return;
  if (mode === null) delete encoding.scalabilityMode;
  else encoding.scalabilityMode = mode;
  try {
    await sender.setParameters(parameters);
  } catch {
    // Not supported here: one spatial layer still works (every subscriber gets it whole).
  }
}

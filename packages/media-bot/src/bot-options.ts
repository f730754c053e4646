/** What a MediaBot is told at construction: how to reach the SFU, and how to behave (Chromium-like by default). */
import type { PublishedTrack } from '@parley/sfu';
import { type BotVideoCodec, CODEC_PAYLOAD_TYPE } from './codec-frames.js';

/** How the bot's signaling requests reach the SFU (the in-process MediaHarness, or a WebSocket client). */
export interface MediaBotSignal {
  publish(sdp: string, tracks: PublishedTrack[]): Promise<string>;
  subscribe(sdp: string): Promise<string>;
  subscriberAnswer(sdp: string): Promise<void>;
}

export interface MediaBotOptions {
  /** Local address for the bot's sockets (default 127.0.0.1). */
  bindAddress?: string;
  /** VP8 packets per frame (default 6: 150 packets/s at 25 frames/s). */
  videoPacketsPerFrame?: number;
  /** Bytes of VP8 payload per packet (default 900). */
  videoPayloadBytes?: number;
  /**
   * The codec the camera is published in, offered first (default VP8): `vp9` (three spatial layers,
   * K-SVC), `h264` (packetization-mode 1) or `av1`; see codec-frames.ts. Not with simulcast.
   */
  videoCodec?: BotVideoCodec;
  /** Payload types in the bot's offer (Chromium: Opus 111, VP8 96; Firefox: 109, 120). */
  payloadTypes?: { opus: number; vp8: number };
  /**
   * Lose every n-th video packet on the way from the SFU to this bot (once per sequence number), in a
   * UDP relay before SRTP decryption, as a network would; the bot NACKs the gaps like a browser. 0: off.
   */
  downlinkLoss?: number;
  /**
   * Lose every n-th video packet on the way from this bot to the SFU (once per sequence number), in a
   * UDP relay after SRTP encryption; the SFU's NACKs bring them back. 0: off.
   */
  uplinkLoss?: number;
  /**
   * Publish the camera as Chromium's SSRC simulcast (`a=ssrc-group:SIM low mid high`): three streams,
   * 180p/360p/720p in their key frames, 1/6, 1/3 and all of videoPacketsPerFrame per frame, payload
   * filled with 0xa0 + layer, VP8 descriptors with a 15-bit picture id counting per layer.
   */
  simulcast?: boolean;
  /** Simulcast with the SIM group's first SSRC carrying the largest picture (720p) and the last 180p. */
  simulcastLargestFirst?: boolean;
  /**
   * With `simulcast`: announce the layers the way Firefox does, by RID (`a=rid:l/m/h send`,
   * `a=simulcast:send l;m;h`, every layer's SSRC listed in another order, no SIM group), each packet
   * naming its layer in the rtp-stream-id header extension (id 10).
   */
  ridSimulcast?: boolean;
  /**
   * Simulcast: how many layers of the SIM group, from its first SSRC, carry packets (default 3).
   * Chromium sent only the first one (at 720p) when its munged layers had no resolution scaling.
   */
  simulcastLayersSent?: number;
  /**
   * Keep sending every simulcast layer whatever the SFU's `simulcast-layers` says (a publisher that
   * ignores it: it only costs its own uplink). Default false: the bot pauses and resumes layers.
   */
  ignoreSimulcastLayers?: boolean;
  /**
   * Number the audio packets in the transport-wide sequence extension (id 3, as offered) and collect
   * the SFU's transport feedback (transportReports()). Default false.
   */
  transportCc?: boolean;
  /** With transportCc: never send every n-th numbered packet (0: send all), to see it reported lost. */
  transportCcSkipEvery?: number;
  /**
   * As a subscriber, like a browser that negotiated transport-cc: note the transport-wide number
   * (id 3) of every RTP packet received on the subscribe connection and send feedback every 100 ms
   * (subscriberTransportSequences()). Default false.
   */
  subscriberTransportCc?: boolean;
  /**
   * With subscriberTransportCc: the feedback reports all but one in n numbered packets lost, as from a
   * downlink far too slow for what is sent (0: what arrived; setSubscriberFeedbackLoss changes it).
   */
  subscriberFeedbackLoss?: number;
  /** Audio level the microphone reports (RFC 6464: 0 loudest … 127 silence; default 30, speech). */
  audioLevel?: number;
  /** Key frames every 4 s besides those asked for (default true); off, only requests bring one. */
  periodicKeyframes?: boolean;
  /**
   * Answer the SFU's NACKs as Chromium does with RTX negotiated (RFC 4588): on the layer's RTX SSRC
   * (FID group) with payload type 97 and the RTX stream's own sequence numbers, the original sequence
   * number (OSN) before the payload; with ridSimulcast the layer's RID in the repaired-rtp-stream-id
   * extension (id 11) instead of rtp-stream-id. Default false: plain retransmissions.
   */
  rtx?: boolean;
  /** With rtx: padding-only RTX packets (Chromium's bandwidth probes) per video frame and layer. */
  rtxPadding?: number;
  /**
   * With rtx and ridSimulcast: announce no RTX SSRC (no FID groups), so the SFU must learn each
   * layer's RTX SSRC from the repaired-rtp-stream-id extension. Publish video only: with one m-line
   * libdatachannel hands the SFU packets of SSRCs the offer does not announce.
   */
  rtxWithoutFid?: boolean;
  /**
   * As a subscriber, accept the RTX the SFU offers with its video (RFC 4588): retransmissions then
   * arrive on the RTX SSRC and are unwrapped (rtxReceived()). Default false: the bot's answer drops
   * the RTX payload type, like a receiver without RTX, and gets plain retransmissions.
   */
  subscriberRtx?: boolean;
  /**
   * Publish audio as Chromium does with Opus RED negotiated (RFC 2198, PT 63): each packet carries the
   * previous frame (40 bytes of 0x5b) as a redundant block, then its own (60 bytes of 0x5a). Default false.
   */
  red?: boolean;
  /**
   * As a subscriber, keep the RED the SFU offers with audio from a RED publisher (default true, as
   * libdatachannel answers); false drops PT 63 from the answer, like a receiver without RED.
   */
  subscriberRed?: boolean;
  /**
   * As a subscriber, NACK lost audio like video (the SFU offers `nack` for Opus; libdatachannel's answer
   * keeps it), and with downlinkLoss lose every n-th Opus packet (PT 111) too. Default false.
   */
  audioNack?: boolean;
  /**
   * As a subscriber, reject every video m-line in its answers (port 0), as a browser does for a codec
   * it cannot decode: the SFU must then send it nothing there. Default false.
   */
  rejectVideo?: boolean;
}

/** The options with every default filled in; `audioLevel` changes while the bot runs (setAudioLevel). */
export type BotSettings = Required<MediaBotOptions>;

export function withDefaults(options: MediaBotOptions): BotSettings {
  return {
    bindAddress: options.bindAddress ?? '127.0.0.1',
    videoPacketsPerFrame: options.videoPacketsPerFrame ?? 6,
    videoPayloadBytes: options.videoPayloadBytes ?? 900,
    payloadTypes: options.payloadTypes ?? { opus: 111, vp8: 96 },
    videoCodec: options.videoCodec ?? 'vp8',
    downlinkLoss: options.downlinkLoss ?? 0,
    uplinkLoss: options.uplinkLoss ?? 0,
    audioLevel: options.audioLevel ?? 30,
    periodicKeyframes: options.periodicKeyframes ?? true,
    simulcast: options.simulcast ?? false,
    simulcastLargestFirst: options.simulcastLargestFirst ?? false,
    ridSimulcast: options.ridSimulcast ?? false,
    simulcastLayersSent: options.simulcastLayersSent ?? 3,
    ignoreSimulcastLayers: options.ignoreSimulcastLayers ?? false,
    transportCc: options.transportCc ?? false,
    transportCcSkipEvery: options.transportCcSkipEvery ?? 0,
    subscriberTransportCc: options.subscriberTransportCc ?? false,
    subscriberFeedbackLoss: options.subscriberFeedbackLoss ?? 0,
    rtx: options.rtx ?? false,
    rtxPadding: options.rtxPadding ?? 0,
    rtxWithoutFid: options.rtxWithoutFid ?? false,
    subscriberRtx: options.subscriberRtx ?? false,
    red: options.red ?? false,
    subscriberRed: options.subscriberRed ?? true,
    audioNack: options.audioNack ?? false,
    rejectVideo: options.rejectVideo ?? false,
  };
}

/** The payload type of the bot's video packets: its `videoCodec`'s in the offer. */
export function videoPayloadType(settings: BotSettings): number {
  const codec = settings.videoCodec;
  return codec === 'vp8' ? settings.payloadTypes.vp8 : CODEC_PAYLOAD_TYPE[codec];
}

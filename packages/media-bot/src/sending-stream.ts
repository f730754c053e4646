/** One RTP stream a bot sends (a published source, or one simulcast layer of the camera). */
import type { TrackSource } from '@parley/sfu';
import type { Track } from 'node-datachannel';
import type { CodecFrameState } from './codec-frames.js';

/** Video packets kept per stream to answer NACKs (a power of two: about 3 s at 150 packets/s). */
export const HISTORY_SIZE = 512;

export interface SendingStream {
  mid: string;
  /** What the m-line carries now (a reused m-line may change source). */
  source: TrackSource;
  kind: 'audio' | 'video';
  ssrc: number;
  track: Track;
  active: boolean;
  sequence: number;
  timestamp: number;
  packets: number;
  octets: number;
  /** Simulcast camera: the layers low → high (the last one is this stream itself). */
  layers?: SendingStream[];
  /** A simulcast layer the SFU asked to pause (`simulcast-layers`): nothing of it is sent. */
  paused?: boolean;
  /** A layer resumed: its next frame is a key frame, as a browser's encoder starts a layer. */
  resumeWithKeyframe?: boolean;
  pictureId?: number;
  /** Video in another codec than VP8: the numbering its headers carry (codec-frames.ts). */
  codecFrames?: CodecFrameState;
  /** Video: the last HISTORY_SIZE packets sent, by sequence number modulo HISTORY_SIZE (NACK answers). */
  history?: (Buffer | undefined)[];
  /** Video: the SSRC of its RTX stream (FID group) and the RTX stream's next sequence number. */
  rtxSsrc?: number;
  rtxSequence?: number;
}

/** The SSRCs of a new m-line's stream: its own, its RTX stream's, its simulcast layers' (low, mid). */
export interface StreamSsrcs {
  ssrc: number;
  rtxSsrc: number | undefined;
  simulcastLayers: number[] | null;
  layerRtxSsrcs: number[] | null;
}

/** A new stream with random starting numbers, as a browser's; with simulcast, its two lower layers too. */
export function newSendingStream(
  mid: string,
  source: TrackSource,
  kind: 'audio' | 'video',
  track: Track,
  ssrcs: StreamSsrcs,
): SendingStream {
  const stream: SendingStream = {
    mid,
    source,
    kind,
    ssrc: ssrcs.ssrc,
    track,
    active: true,
    sequence: Math.floor(Math.random() * 65536),
    timestamp: Math.floor(Math.random() * 2 ** 32),
    packets: 0,
    octets: 0,
    history: kind === 'video' ? new Array(HISTORY_SIZE) : undefined,
    rtxSsrc: ssrcs.rtxSsrc,
    rtxSequence: Math.floor(Math.random() * 65536),
  };
  const { simulcastLayers, layerRtxSsrcs } = ssrcs;
  if (simulcastLayers) {
    // The lower layers send on the m-line's track too; the SSRC in each packet tells them apart.
    const layer = (layerSsrc: number, layerRtxSsrc: number | undefined): SendingStream => ({
      ...stream,
      ssrc: layerSsrc,
      sequence: Math.floor(Math.random() * 65536),
      timestamp: Math.floor(Math.random() * 2 ** 32),
      pictureId: Math.floor(Math.random() * 0x8000),
      history: new Array(HISTORY_SIZE),
      rtxSsrc: layerRtxSsrc,
      rtxSequence: Math.floor(Math.random() * 65536),
    });
    stream.pictureId = Math.floor(Math.random() * 0x8000);
    stream.layers = [
      layer(simulcastLayers[0]!, layerRtxSsrcs?.[0]),
      layer(simulcastLayers[1]!, layerRtxSsrcs?.[1]),
      stream,
    ];
  }
  return stream;
}

/** The fixed RTP header of the stream's next packet (`first`: version, padding and extension bits). */
export function writeRtpHeader(
  packet: Buffer,
  payloadType: number,
  marker: boolean,
  stream: SendingStream,
  first: number,
): void {
  packet[0] = first;
  packet[1] = (marker ? 0x80 : 0) | payloadType;
  packet.writeUInt16BE(stream.sequence, 2);
  packet.writeUInt32BE(stream.timestamp, 4);
  packet.writeUInt32BE(stream.ssrc, 8);
  stream.sequence = (stream.sequence + 1) & 0xffff;
}

/** Keep a sent video packet for the NACKs that may ask for it. */
export function remember(stream: SendingStream, packet: Buffer): void {
  if (stream.history) stream.history[packet.readUInt16BE(2) % HISTORY_SIZE] = packet;
}

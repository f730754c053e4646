/**
 * The synthetic media a publishing bot sends, shaped like Chromium's where the SFU looks: Opus at 50
 * packets/s with the audio-level extension (optionally RED), VP8 frames split into several packets
 * with the marker bit on the last one and a VP8 payload descriptor, simulcast layers told apart by
 * their key frames' sizes and their fill byte, and a Sender Report per stream. No real codec payload.
 */
import { buildSenderReport } from '@parley/sfu/rtp';
import { type BotSettings, videoPayloadType } from './bot-options.js';
import { RED_PAYLOAD_TYPE, RID_EXTENSION_ID, RIDS } from './chromium-offer.js';
import { framePayloads, newCodecFrameState } from './codec-frames.js';
import type { Retransmitter } from './retransmission.js';
import { remember, type SendingStream, writeRtpHeader } from './sending-stream.js';
import type { TransportNumbering } from './transport-numbering.js';

export class MediaPackets {
  constructor(
    private readonly settings: BotSettings,
    private readonly numbering: TransportNumbering,
    private readonly retransmitter: Retransmitter,
  ) {}

  /** One 20 ms Opus packet. */
  audio(stream: SendingStream): void {
    // One-byte header extension (RFC 8285) with the audio level (id 1) and, with transportCc, the
    // transport-wide sequence number (id 3); then 60 bytes of "Opus".
    const words = this.settings.transportCc ? 2 : 1;
    const red = this.settings.red;
    const { opus } = this.settings.payloadTypes;
    const packet = Buffer.alloc(12 + 4 + words * 4 + (red ? 5 + 40 : 0) + 60, 0x5a);
    writeRtpHeader(packet, red ? RED_PAYLOAD_TYPE : opus, true, stream, 0x90);
    if (red) {
      // One redundant block (the previous frame, 960 samples earlier), then the primary's header.
      const at = 16 + words * 4;
      packet.set([0x80 | opus, 960 >> 6, (960 & 0x3f) << 2, 40, opus], at);
      packet.fill(0x5b, at + 5, at + 45);
    }
    packet.writeUInt16BE(0xbede, 12);
    packet.writeUInt16BE(words, 14);
    packet.fill(0, 16, 16 + words * 4);
    packet[16] = 0x10; // id 1, length 1
    packet[17] = 0x80 | this.settings.audioLevel; // voice activity bit, level in -dBov
    let skipped = false;
    if (this.settings.transportCc) {
      const sequence = this.numbering.next();
      packet[18] = 0x31; // id 3, length 2
      packet.writeUInt16BE(sequence, 19);
      const every = this.settings.transportCcSkipEvery;
      skipped = every > 0 && sequence % every === 0;
    }
    if (!skipped) stream.track.sendMessageBinary(packet);
    stream.timestamp = (stream.timestamp + 960) >>> 0;
    stream.packets++;
    stream.octets += 60;
  }

  /**
   * One 40 ms frame of the stream (VP8, or the `videoCodec`: codec-frames.ts), of each of its simulcast
   * layers sent (VP8 only), then RTX padding.
   */
  videoFrame(stream: SendingStream, keyframe: boolean): void {
    const padding = this.settings.rtx ? this.settings.rtxPadding : 0;
    if (stream.layers) {
      const all = this.settings.videoPacketsPerFrame;
      const counts = [Math.ceil(all / 6), Math.ceil(all / 3), all];
      const sent = Math.min(stream.layers.length, this.settings.simulcastLayersSent);
      for (let index = 0; index < sent; index++) {
        const layer = stream.layers[index]!;
        if (layer.paused) continue;
        this.simulcastFrame(layer, index, counts[index]!, keyframe || layer.resumeWithKeyframe === true);
        layer.resumeWithKeyframe = false;
        // After the frame: libwebrtc pads only between complete frames.
        const rid = this.settings.ridSimulcast ? RIDS[index] : undefined;
        for (let i = 0; i < padding; i++) this.retransmitter.sendPadding(stream.layers[index]!, rid);
      }
      return;
    }
    const count = this.settings.videoPacketsPerFrame;
    const bytes = this.settings.videoPayloadBytes;
    const codec = this.settings.videoCodec;
    stream.codecFrames ??= newCodecFrameState();
    const payloads =
      codec === 'vp8'
        ? vp8Frame(keyframe, count, bytes)
        : framePayloads(codec, keyframe, count, bytes, stream.codecFrames);
    for (const [i, payload] of payloads.entries())
      this.videoPacket(stream, payload, i === payloads.length - 1, true);
    for (let i = 0; i < padding; i++) this.retransmitter.sendPadding(stream, undefined);
    stream.timestamp = (stream.timestamp + 3600) >>> 0; // 90 kHz / 25 fps
  }

  /**
   * One video packet of the stream with this payload, under its next sequence number and the current
   * frame's timestamp, kept for NACKs; `counted`: one of the bot's own (sentPackets), not a crafted one.
   */
  videoPacket(stream: SendingStream, payload: Buffer, marker: boolean, counted: boolean): boolean {
    const packet = Buffer.alloc(12 + payload.length);
    writeRtpHeader(packet, videoPayloadType(this.settings), marker, stream, 0x80);
    payload.copy(packet, 12);
    const sent = stream.track.sendMessageBinary(packet);
    remember(stream, packet);
    if (counted) {
      stream.packets++;
      stream.octets += payload.length;
    }
    return sent;
  }

  /** A Sender Report with the stream's packet and octet counts (the SFU relays the timing). */
  senderReport(stream: SendingStream): void {
    const now = Date.now() / 1000 + 2208988800; // NTP epoch
    const report = buildSenderReport(stream.ssrc, Math.floor(now), (now % 1) * 2 ** 32, stream.timestamp);
    report.writeUInt32BE(stream.packets >>> 0, 20);
    report.writeUInt32BE(stream.octets >>> 0, 24);
    stream.track.sendMessageBinary(report);
  }

  /** One frame of one simulcast layer; its key frames carry the layer's height (180 << layer). */
  private simulcastFrame(layer: SendingStream, index: number, count: number, keyframe: boolean): void {
    const pictureId = layer.pictureId!;
    // One-byte header extensions (RFC 8285): with RID simulcast the layer's RID, with transportCc the
    // transport-wide sequence number (id 3), as a browser numbers its video too.
    const rid = this.settings.ridSimulcast;
    const transportCc = this.settings.transportCc;
    const extensionBytes = (rid ? 2 : 0) + (transportCc ? 3 : 0);
    const words = Math.ceil(extensionBytes / 4);
    const at = words > 0 ? 16 + 4 * words : 12;
    for (let i = 0; i < count; i++) {
      const packet = Buffer.alloc(at + 4 + this.settings.videoPayloadBytes, 0xa0 + index);
      writeRtpHeader(packet, this.settings.payloadTypes.vp8, i === count - 1, layer, at === 12 ? 0x80 : 0x90);
      if (at !== 12) {
        packet.writeUInt16BE(0xbede, 12);
        packet.writeUInt16BE(words, 14);
        packet.fill(0, 16, at);
        let offset = 16;
        if (rid) {
          packet.set([(RID_EXTENSION_ID << 4) | 0, RIDS[index]!.charCodeAt(0)], offset);
          offset += 2;
        }
        if (transportCc) {
          packet[offset] = 0x31; // id 3, length 2
          packet.writeUInt16BE(this.numbering.next(), offset + 1);
        }
      }
      packet[at] = i === 0 ? 0x90 : 0x80; // X, S on the first packet, partition 0
      packet[at + 1] = 0x80; // I: picture id present
      packet.writeUInt16BE(0x8000 | pictureId, at + 2);
      if (i === 0) {
        packet[at + 4] = keyframe ? 0x10 : 0x11;
        packet[at + 5] = 0x02;
        packet[at + 6] = 0x00;
        if (keyframe) {
          const height = 180 << (this.settings.simulcastLargestFirst ? 2 - index : index);
          packet.set([0x9d, 0x01, 0x2a], at + 7);
          packet.writeUInt16LE((height * 16) / 9, at + 10);
          packet.writeUInt16LE(height, at + 12);
        }
      }
      layer.track.sendMessageBinary(packet);
      remember(layer, packet);
      layer.packets++;
      layer.octets += packet.length - 12;
    }
    layer.pictureId = (pictureId + 1) & 0x7fff;
    layer.timestamp = (layer.timestamp + 3600) >>> 0;
  }
}

/** The payloads of a VP8 frame: descriptor (S on the first packet, partition 0), frame tag, filler. */
function vp8Frame(keyframe: boolean, count: number, bytes: number): Buffer[] {
  const payloads: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const payload = Buffer.alloc(1 + bytes, 0xa5);
    payload[0] = i === 0 ? 0x10 : 0x00;
    if (i === 0) {
      // VP8 frame tag: bit 0 is "not a key frame"; key frames carry the start code and dimensions.
      payload[1] = keyframe ? 0x10 : 0x11;
      payload[2] = 0x02;
      payload[3] = 0x00;
      if (keyframe) payload.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 4); // 640x480
    }
    payloads.push(payload);
  }
  return payloads;
}

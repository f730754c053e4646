/**
 * `@parley/media-bot`: programmable WebRTC participants and network impairments for Parley's tests
 * and benchmarks (server tests, e2e, bench). Test-only: no production code imports it.
 *
 * - MediaBot: publishes Opus and VP8 (simulcast, RID, RTX) or VP9 (K-SVC), H.264, AV1 over node-datachannel, receives and counts
 *   what the SFU forwards, answers with NACK/PLI/transport-cc like a browser.
 * - SinkSubscriber, AnsweringSubscriber: lean subscribers for load generation (bench).
 * - LossyRelay (in-process, for bots), LossyUdpRelay and ShapingUdpRelay (between a browser and the
 *   SFU: seeded loss, a bandwidth bottleneck): impaired paths on loopback.
 */
export { AnsweringSubscriber } from './answering-subscriber.js';
export { MediaBot } from './bot.js';
export type { MediaBotOptions, MediaBotSignal } from './bot-options.js';
export {
  type BotVideoCodec,
  CODEC_PAYLOAD_TYPE,
  FILL,
  H264_PARAMETER_SETS,
  h264StapA,
  VP9_LAYER_SIZES,
  type Vp9Fields,
  vp9Payload,
} from './codec-frames.js';
export { hostCandidate, LossyRelay } from './lossy-relay.js';
export { isRtp, LossyUdpRelay, seededRandom } from './lossy-udp-relay.js';
export type { ReceivedStream } from './reception.js';
export type { RtxReceived } from './rtx-reception.js';
export { ShapingUdpRelay } from './shaping-udp-relay.js';
export { type SinkSignal, SinkSubscriber } from './sink-subscriber.js';

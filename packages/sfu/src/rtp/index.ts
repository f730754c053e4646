/**
 * `@parley/sfu/rtp`: the RTP and RTCP helpers the SFU forwards with, for tools that speak RTP to it
 * (Parley's media bots, benchmarks). Not needed to run an SFU.
 */
export { buildReceiverFeedback, ReceptionStats } from './reception-stats.js';
export {
  buildNack,
  buildPli,
  buildSenderReport,
  parseRtcp,
  RTCP_PSFB,
  RTCP_RR,
  RTCP_RTPFB,
  RTCP_SR,
  type RtcpMessage,
} from './rtcp.js';
export {
  isRtcp,
  isRtp,
  isVp8KeyframeStart,
  locateVp8Descriptor,
  RTP_HEADER_SIZE,
  readVp8PictureId,
  rtpPayloadOffset,
  rtpTimestamp,
  vp8KeyframeHeight,
  writeVp8PictureId,
} from './rtp.js';
export { OUTGOING_RTX_PAYLOAD_TYPE, restoreRetransmission, writeRetransmission } from './rtx.js';
export { emptyVp9Descriptor, readVp9Descriptor, type Vp9Descriptor } from './vp9.js';

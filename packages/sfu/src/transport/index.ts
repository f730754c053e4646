/**
 * `@parley/sfu/transport`: SDP reading, transport-wide congestion control feedback and the native
 * handle bookkeeping, for tools that open their own node-datachannel connections to the SFU (Parley's
 * media bots, benchmarks) and for checks of the installed native addon. Not needed to run an SFU.
 */
export {
  checkNativeAddonBytes,
  type NativeAddonState,
  nativeAddonFile,
  nativeAddonState,
  UnpatchedNativeAddonError,
} from './native-addon.js';
export {
  describeOpenNativeHandles,
  openNativeHandles,
  releaseNative,
  retainUntilCleanup,
  retainUntilClosed,
  stillOpenNativeHandles,
} from './native-handles.js';
export { describeMedia, MAX_SDP_LENGTH, type MediaSection, parseSdp, writeSdp } from './sdp.js';
export { readSsrcGroup } from './sdp-attributes.js';
export {
  parseTransportFeedback,
  type ReportedPacket,
  readTransportSequence,
  TRANSPORT_CC_FORMAT,
  TRANSPORT_CC_URI,
  TransportArrivals,
} from './transport-cc.js';

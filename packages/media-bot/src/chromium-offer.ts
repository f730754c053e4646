/**
 * The codecs and header extensions of a bot's publish offer, as Chromium lists them: the SFU must pick
 * its formats out of the same crowd (RED, G722, PCMU, telephone-event, RTX, H264, VP9) it meets in a
 * browser's offer, and the extension ids below are the ones the bot's packets then carry.
 */
import { TRANSPORT_CC_URI } from '@parley/sfu/transport';
import type { Audio, Video } from 'node-datachannel';
import { type BotVideoCodec, CODEC_PAYLOAD_TYPE } from './codec-frames.js';

/** The audio-level extension's id (RFC 6464), and the transport-wide sequence number's (transport-cc). */
export const AUDIO_LEVEL_EXTENSION_ID = 1;
export const TRANSPORT_CC_EXTENSION_ID = 3;
/** RID simulcast: the layers' RIDs, lowest first, and the rtp-stream-id extension id. */
export const RIDS = ['l', 'm', 'h'];
export const RID_EXTENSION_ID = 10;
/** RTX: the repaired-rtp-stream-id extension id and the payload type (apt = VP8). */
export const REPAIRED_RID_EXTENSION_ID = 11;
export const RTX_PAYLOAD_TYPE = 97;
/** Opus RED (RFC 2198). */
export const RED_PAYLOAD_TYPE = 63;

/**
 * The m-line's codecs; video lists `videoCodec` first (the SFU takes the first it forwards), the rest
 * in Chromium's order. With VP8 the offer is the one the bot always made.
 */
export function addChromiumCodecs(
  media: Audio | Video,
  payloadTypes: { opus: number; vp8: number },
  videoCodec: BotVideoCodec = 'vp8',
): void {
  const { opus, vp8 } = payloadTypes;
  if ('addOpusCodec' in media) {
    media.addOpusCodec(opus, 'minptime=10;useinbandfec=1');
    media.addAudioCodec(RED_PAYLOAD_TYPE, 'red', `${opus}/${opus}`);
    media.parseSdpLine('a=rtpmap:9 G722/8000');
    media.parseSdpLine('a=rtpmap:0 PCMU/8000');
    media.parseSdpLine('a=rtpmap:126 telephone-event/8000');
    media.parseSdpLine(`a=rtcp-fb:${opus} transport-cc`);
    media.parseSdpLine(`a=extmap:${AUDIO_LEVEL_EXTENSION_ID} urn:ietf:params:rtp-hdrext:ssrc-audio-level`);
    media.parseSdpLine(`a=extmap:${TRANSPORT_CC_EXTENSION_ID} ${TRANSPORT_CC_URI}`);
    media.parseSdpLine('a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid');
  } else {
    const { vp9, h264, av1 } = CODEC_PAYLOAD_TYPE;
    if (videoCodec === 'vp9') media.addVP9Codec(vp9);
    if (videoCodec === 'av1') media.addAV1Codec(av1);
    if (videoCodec === 'h264') addH264(media, h264);
    media.addVP8Codec(vp8);
    media.addRTXCodec(RTX_PAYLOAD_TYPE, vp8, 90000);
    if (videoCodec !== 'h264') addH264(media, h264);
    if (videoCodec !== 'vp9') media.addVP9Codec(vp9);
    const first = videoCodec === 'vp8' ? vp8 : CODEC_PAYLOAD_TYPE[videoCodec];
    media.parseSdpLine(`a=rtcp-fb:${first} transport-cc`);
    media.parseSdpLine(`a=rtcp-fb:${first} ccm fir`);
    media.parseSdpLine(`a=extmap:${TRANSPORT_CC_EXTENSION_ID} ${TRANSPORT_CC_URI}`);
    media.parseSdpLine('a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid');
    media.parseSdpLine(`a=extmap:${RID_EXTENSION_ID} urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id`);
    media.parseSdpLine(
      `a=extmap:${REPAIRED_RID_EXTENSION_ID} urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id`,
    );
  }
}

/** H.264 (libdatachannel's default: constrained baseline, packetization-mode=1) and its RTX (103). */
function addH264(media: Video, payloadType: number): void {
  media.addH264Codec(payloadType);
  media.addRTXCodec(payloadType + 1, payloadType, 90000);
}

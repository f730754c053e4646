// Privacy: keeps nothing personal (where fields sit in the packet being forwarded).

import type { VideoCodec } from '../rtp/video-codec.js';
import { emptyVp9Descriptor, readVp9Descriptor, startsVp9Keyframe, type Vp9Descriptor } from '../rtp/vp9.js';

/**
 * The packet a Publication is fanning out, with what every Subscription needs of it read once: valid
 * during the fan-out only. One per publication, reused for every packet (no allocation per packet).
 *
 * Subscriptions write their own sequence number, SSRC, timestamp, VP8 picture id and TL0PICIDX into
 * the shared `buffer` before sending it, so the next one reads the publisher's values here, not there.
 */
export class ForwardedPacket {
  /** The RTP packet, payload type already rewritten to the SFU's. */
  buffer: Buffer = Buffer.alloc(0);
  /** Its sequence number as the publication forwards it (audio: continuous across left-out packets). */
  sequence = 0;
  /** Its simulcast layer (0 without simulcast). */
  layer = 0;
  /** Video: it starts a key frame. */
  keyframe = false;
  /** Older than packets already forwarded (the publisher's retransmission, or reordered). */
  late = false;
  /** The publisher's RTP timestamp (video). */
  timestamp = 0;
  /**
   * Simulcast: where the VP8 picture id and TL0PICIDX sit (-1: absent), and their values as the
   * publisher sent them (-1: absent); subscriptions rewrite them for their own continuity.
   */
  readonly descriptor = new Int32Array(2);
  pictureId = -1;
  tl0 = -1;
  /**
   * transport-cc towards subscribers: where the two-byte slot of the transport-wide sequence number
   * starts in `buffer`, renamed to the subscribers' extension id (-1: it has none). Each subscription
   * writes its connection's number there.
   */
  transportAt = -1;
  /** VP9: the packet's payload descriptor (its layers), and whether it could be read. */
  readonly vp9: Vp9Descriptor = emptyVp9Descriptor();
  vp9Valid = false;
  /**
   * A codec payload the SFU had to read and could not (VP9: a descriptor cut short or announcing fields
   * the packet does not hold): no receiver could depacketize it either, and its layer is unknown, so
   * it is forwarded to no one (each subscription closes its sequence over it).
   */
  unreadable = false;

  /**
   * Read what the subscriptions need of the video packet in `buffer` (its payload type not rewritten
   * yet): whether it starts a key frame and, for VP9, its descriptor (key frame, height and layers).
   */
  readCodec(codec: VideoCodec): void {
    const vp9 = codec.name === 'vp9' ? this.vp9 : null;
    this.vp9Valid = vp9 !== null && readVp9Descriptor(this.buffer, vp9);
    this.unreadable = vp9 !== null && !this.vp9Valid;
    this.keyframe =
      vp9 === null ? codec.isKeyframeStart(this.buffer) : this.vp9Valid && startsVp9Keyframe(vp9);
  }
}

/**
 * The SFU's own words for tracks. Parley's wire protocol (@parley/protocol) has the same shapes; the
 * server checks at compile time that the two stay mutually assignable (media-bridge/sfu-types.ts), so
 * the SFU needs no schema library and any host can use it.
 */

/** What a track carries, from the participant's point of view. One track per source per participant. */
export type TrackSource = 'mic' | 'camera' | 'screen' | 'screen-audio';

export type TrackKind = 'audio' | 'video';

export function kindOfSource(source: TrackSource): TrackKind {
  return source === 'mic' || source === 'screen-audio' ? 'audio' : 'video';
}

/** A track of a publish connection: its transceiver's mid in the offer, and what it carries. */
export interface PublishedTrack {
  mid: string;
  source: TrackSource;
  /** The source is switched off while its track stays (microphone muted, camera off). */
  muted?: boolean | undefined;
}

/** A track the subscribe connection carries, tied to its m-line by mid. */
export interface SubscribedTrack {
  mid: string;
  participantId: string;
  source: TrackSource;
  kind: TrackKind;
  /** Video: the codec it is forwarded in (the publisher's; absent means VP8). */
  codec?: VideoCodecName | undefined;
}

/** The video codecs the SFU forwards (rtp/video-codec.ts). */
export type VideoCodecName = 'vp8' | 'vp9' | 'h264' | 'av1';

/** How much of the others' video a participant receives: all, the lowest layer only, or none. */
export type VideoReceptionMode = 'full' | 'low' | 'off';

/** An ICE server as RTCPeerConnection takes it (turn-credentials.ts makes TURN ones). */
export interface IceServer {
  urls: string[];
  username?: string | undefined;
  credential?: string | undefined;
}

import type { SubscribedTrack } from '@parley/protocol';
import ndc, { type Track } from 'node-datachannel';
import { guarded, type MediaContext } from './media-context.js';
import { retainUntilClosed } from './native-handles.js';
import { OUTGOING_PAYLOAD_TYPE, type Publication } from './publication.js';
import { parseRtcp } from './rtcp.js';
import { isRtcp } from './rtp.js';

/** Opus as Chromium offers it: in-band FEC on, 10 ms minimum packet time. */
const OPUS_FORMAT = 'minptime=10;useinbandfec=1';

/**
 * One publication forwarded to one subscriber: a SendOnly m-line on the subscriber's connection with
 * its own random SSRC. It rewrites the SSRC of each packet and answers the subscriber's feedback
 * (key frame requests go to the publisher, NACKs are answered from the publication's cache).
 */
export class Subscription {
  private track: Track | null = null;
  private closed = false;

  constructor(
    readonly publication: Publication,
    readonly subscriberId: string,
    /** m-line id on the subscribe connection. */
    readonly mid: string,
    /** SSRC the subscriber sees for this track. */
    readonly ssrc: number,
    private readonly context: MediaContext,
  ) {}

  /** True once the m-line has been added to the subscribe connection (it is in an offer). */
  get negotiated(): boolean {
    return this.track !== null;
  }

  /** The m-line description: the codec the SFU forwards and the SSRC, grouped by publishing participant. */
  createMedia(): ndc.Video | ndc.Audio {
    const publication = this.publication;
    const stream = streamId(publication.participantId, publication.source);
    const trackId = `${stream}-${publication.source}`;
    const cname = streamId(publication.participantId, 'cname');
    if (publication.kind === 'video') {
      const video = new ndc.Video(this.mid, 'SendOnly');
      video.addVP8Codec(OUTGOING_PAYLOAD_TYPE.video);
      video.addSSRC(this.ssrc, cname, stream, trackId);
      return video;
    }
    const audio = new ndc.Audio(this.mid, 'SendOnly');
    audio.addOpusCodec(OUTGOING_PAYLOAD_TYPE.audio, OPUS_FORMAT);
    audio.addSSRC(this.ssrc, cname, stream, trackId);
    return audio;
  }

  /** Bind to the libdatachannel track created from createMedia(). */
  attach(track: Track): void {
    this.track = retainUntilClosed(track);
    const logger = this.context.logger;
    // Video shows up at once only if the publisher sends a key frame now.
    track.onOpen(guarded(logger, 'subscription open', () => this.publication.requestKeyframe()));
    track.onMessage(
      guarded(logger, 'subscriber feedback', (message: Buffer) => this.receiveFeedback(message)),
    );
  }

  /** Forward one RTP packet (payload type already rewritten). Rewrites the SSRC in place. */
  send(packet: Buffer): boolean {
    const track = this.track;
    if (track === null || !track.isOpen()) return false;
    packet.writeUInt32BE(this.ssrc, 8);
    try {
      if (!track.sendMessageBinary(packet)) return false;
    } catch {
      return false; // closed between isOpen() and the send, on libdatachannel's thread
    }
    const counters = this.context.counters;
    counters.packetsForwarded++;
    counters.bytesForwarded += packet.length;
    return true;
  }

  /** Send an RTCP packet the SFU built for this subscriber. */
  sendControl(packet: Buffer): void {
    const track = this.track;
    if (track === null || !track.isOpen()) return;
    try {
      track.sendMessageBinary(packet);
    } catch {
      // closed meanwhile
    }
  }

  describe(): SubscribedTrack {
    const { participantId, source, kind } = this.publication;
    return { mid: this.mid, participantId, source, kind };
  }

  private receiveFeedback(message: Buffer): void {
    if (this.closed || !isRtcp(message)) return;
    // libdatachannel hands the whole compound to every track it mentions: act only on what is about us.
    for (const rtcp of parseRtcp(message)) {
      switch (rtcp.type) {
        case 'pli':
          if (rtcp.mediaSsrc === this.ssrc) this.publication.requestKeyframe();
          break;
        case 'fir':
          if (rtcp.requests.some((request) => request.ssrc === this.ssrc)) this.publication.requestKeyframe();
          break;
        case 'nack':
          if (rtcp.mediaSsrc === this.ssrc) this.publication.retransmit(rtcp.lost, this);
          break;
      }
    }
  }

  /** Stop forwarding and close the m-line's track (the next offer removes the m-line). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.publication.removeSubscription(this);
    const track = this.track;
    this.track = null;
    try {
      track?.close();
    } catch {
      // already gone with its connection
    }
  }
}

/**
 * msid stream id: a participant's microphone and camera form one stream (the browser lip-syncs them),
 * its screen share and screen audio another. Restricted to the characters msid allows.
 */
function streamId(participantId: string, part: string): string {
  const group =
    part === 'screen' || part === 'screen-audio' ? 'screen' : part === 'cname' ? 'cname' : 'camera';
  return `${participantId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${group}`;
}

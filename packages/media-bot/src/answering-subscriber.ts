// A subscriber for SFUs that make the first offer (Janus's VideoRoom: `join` as subscriber → offer,
// `start` with the answer): a node-datachannel connection that answers, completes ICE and DTLS-SRTP
// like a MediaBot, and counts the RTP packets it decrypts per track.

import { isRtcp } from '@parley/sfu/rtp';
import { retainUntilClosed } from '@parley/sfu/transport';
import ndc, { type PeerConnection, type Track } from 'node-datachannel';

export class AnsweringSubscriber {
  private readonly pc: PeerConnection;
  private readonly tracks: Track[] = [];
  private packets = 0;
  private videoPackets = 0;
  /** Last byte of the last video packet: a simulcast MediaBot fills layer n's payload with 0xa0 + n. */
  private fill = -1;

  constructor(bindAddress: string) {
    this.pc = new ndc.PeerConnection('answering-sub', {
      iceServers: [],
      disableAutoNegotiation: true,
      bindAddress,
    });
    this.pc.onTrack((track) => {
      this.tracks.push(retainUntilClosed(track));
      const video = track.type() === 'video';
      track.onMessage((packet) => {
        if (packet.length < 12 || isRtcp(packet)) return;
        this.packets++;
        if (video) {
          this.videoPackets++;
          this.fill = packet[packet.length - 1]!;
        }
      });
    });
  }

  /** Apply the SFU's offer and return the answer, with every local candidate in it (no trickle). */
  async answer(offer: string): Promise<string> {
    this.pc.setRemoteDescription(offer, 'offer');
    this.pc.setLocalDescription('answer');
    await new Promise<void>((resolve) => {
      if (this.pc.gatheringState() === 'complete') resolve();
      else this.pc.onGatheringStateChange((state) => state === 'complete' && resolve());
    });
    return this.pc.localDescription()!.sdp;
  }

  /** RTP packets received so far (audio and video). */
  received(): number {
    return this.packets;
  }

  receivedVideo(): number {
    return this.videoPackets;
  }

  lastVideoFill(): number {
    return this.fill;
  }

  close(): void {
    for (const track of this.tracks) track.close();
    this.pc.close();
  }
}

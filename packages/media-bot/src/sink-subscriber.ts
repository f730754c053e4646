// A subscriber that costs the load generator as little as possible per packet, for the transit
// benchmark, whose SFU forwards more packets per second than MediaBots on one core could decrypt and
// count. It negotiates like a browser (node-datachannel: ICE, DTLS, a data channel, the SFU's
// re-offers), but a UDP relay in front of it lets through only what keeps the connection alive
// (STUN, DTLS, SCTP, RTCP) and counts and drops every RTP packet before decryption. The SFU's work
// per packet (header rewrite, SRTP encryption, sendto) is the same as towards any client.
import type { SubscribedTrack } from '@parley/sfu';
import { retainUntilClosed } from '@parley/sfu/transport';
import ndc, { type DataChannel, type PeerConnection, type Track } from 'node-datachannel';
import { hostCandidate, LossyRelay } from './lossy-relay.js';

export interface SinkSignal {
  subscribe(sdp: string): Promise<string>;
  subscriberAnswer(sdp: string): Promise<void>;
}

/** RTP (version 2, not an RTCP packet type): what the relay drops. */
const isRtp = (packet: Buffer) =>
  packet.length >= 12 && (packet[0]! & 0xc0) === 0x80 && (packet[1]! < 192 || packet[1]! > 223);

export class SinkSubscriber {
  private readonly pc: PeerConnection;
  private relay: LossyRelay | null = null;
  private channel: DataChannel | null = null;
  private readonly tracks: Track[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly signal: SinkSignal) {
    this.pc = new ndc.PeerConnection('sink', {
      iceServers: [],
      disableAutoNegotiation: true,
      forceMediaTransport: true,
      bindAddress: '127.0.0.1',
    });
    this.pc.onTrack((track) => {
      this.tracks.push(retainUntilClosed(track));
      track.onMessage(() => {}); // RTCP only (RTP stays in the relay)
    });
  }

  /** Open the subscribe connection (a data channel only), through the relay. */
  async connect(): Promise<void> {
    this.channel = retainUntilClosed(this.pc.createDataChannel('parley'));
    this.pc.setLocalDescription('offer');
    await new Promise<void>((resolve) => {
      if (this.pc.gatheringState() === 'complete') resolve();
      else this.pc.onGatheringStateChange((state) => state === 'complete' && resolve());
    });
    const answer = await this.signal.subscribe(this.pc.localDescription()!.sdp);
    this.relay = await LossyRelay.open(hostCandidate(answer), isRtp);
    this.pc.setRemoteDescription(this.relay.redirect(answer), 'answer');
  }

  /** Answer a `subscriber-offer` (one at a time, in order). */
  handleSubscriberOffer(sdp: string, _tracks: SubscribedTrack[]): Promise<void> {
    const next = this.queue.then(async () => {
      const relay = this.relay!;
      this.pc.setRemoteDescription(relay.redirect(sdp), 'offer');
      this.pc.setLocalDescription('answer');
      await this.signal.subscriberAnswer(this.pc.localDescription()!.sdp);
    });
    this.queue = next.catch(() => {});
    return next;
  }

  /** RTP packets that reached this subscriber's relay so far. */
  received(): number {
    return this.relay?.dropped ?? 0;
  }

  /** Tracks the subscribe connection carries. */
  trackCount(): number {
    return this.tracks.length;
  }

  async close(): Promise<void> {
    await this.queue;
    for (const track of this.tracks) track.close();
    this.channel?.close();
    this.relay?.close();
    this.pc.close();
  }
}

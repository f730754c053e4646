/**
 * A bot's subscribe connection: it offers a data channel only, then answers each of the SFU's
 * re-offers like a browser (closing the tracks of removed m-lines, optionally refusing RTX or RED),
 * and receives what the SFU forwards: counted per `${participantId}:${source}`, lost packets NACKed,
 * RTX unwrapped, transport-cc feedback sent. It also sends a browser's requests for what it receives
 * (PLI, REMB).
 */
import type { SubscribedTrack } from '@parley/sfu';
import {
  buildPli,
  buildReceiverFeedback,
  isRtcp,
  OUTGOING_RTX_PAYLOAD_TYPE,
  ReceptionStats,
} from '@parley/sfu/rtp';
import { describeMedia, parseSdp, retainUntilClosed, writeSdp } from '@parley/sfu/transport';
import ndc, { type DataChannel, type PeerConnection, type Track } from 'node-datachannel';
import type { BotSettings, MediaBotSignal } from './bot-options.js';
import { RED_PAYLOAD_TYPE } from './chromium-offer.js';
import { LossDetector, type TrackSequences } from './loss-detection.js';
import { lossEvery } from './loss-pattern.js';
import { hostCandidate, LossyRelay } from './lossy-relay.js';
import { gatheringComplete, localSdp, randomSsrc, rtcConfig } from './peer-connection.js';
import { countRtp, countSenderReports, newReceivedStream, type ReceivedStream } from './reception.js';
import { RtxReception } from './rtx-reception.js';
import { SubscriberTransportCc } from './subscriber-transport-cc.js';

interface ReceivingTrack extends TrackSequences {
  /** `${participantId}:${source}` of the latest offer (null: not in it). */
  key: string | null;
  kind: 'audio' | 'video';
}

export class BotSubscriber {
  /** What arrived per `${participantId}:${source}` (kept after the track is removed). */
  readonly stats = new Map<string, ReceivedStream>();
  readonly loss: LossDetector;
  readonly rtx = new RtxReception();
  readonly transportCc: SubscriberTransportCc;
  /** Called with every RTP packet of a `${participantId}:${source}` (MediaBot.watchReceived). */
  readonly watchers = new Map<string, (packet: Buffer) => void>();
  /** The tracks of the latest offer, the offers answered, and the latest offer's SDP. */
  trackList: SubscribedTrack[] = [];
  offers = 0;
  latestOffer = '';
  private readonly receiving = new Map<string, ReceivingTrack>();
  /** The tracks of the latest offer by mid, for libdatachannel tracks that arrive after it. */
  private offered = new Map<string, SubscribedTrack>();
  private readonly rtcpSsrc = randomSsrc();
  private pc: PeerConnection | null = null;
  private dataChannel: DataChannel | null = null;
  /** With downlinkLoss: the relay between the SFU and this connection. */
  private relay: LossyRelay | null = null;
  /** Offers wait for the one before (and the first for the connection's answer). */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly signal: MediaBotSignal,
    private readonly settings: BotSettings,
  ) {
    this.loss = new LossDetector(this.rtcpSsrc);
    this.transportCc = new SubscriberTransportCc(this.rtcpSsrc, (message) => this.sendRtcp(message));
    this.transportCc.reportedLossEvery = settings.subscriberFeedbackLoss;
  }

  start(): Promise<void> {
    const connected = this.connect();
    this.queue = connected.catch(() => {});
    return connected;
  }

  /** Offers are handled one at a time, in order. */
  handleOffer(sdp: string, tracks: SubscribedTrack[]): Promise<void> {
    const next = this.queue.then(() => this.answerOffer(sdp, tracks));
    this.queue = next.catch(() => {});
    return next;
  }

  /** The open track receiving `key`, with what arrived on it. */
  received(key: string): { track: Track; stats: ReceivedStream } | null {
    const stats = this.stats.get(key);
    const receiving = [...this.receiving.values()].find((r) => r.key === key);
    if (!stats || !receiving?.track.isOpen()) return null;
    return { track: receiving.track, stats };
  }

  requestKeyframe(key: string): boolean {
    const received = this.received(key);
    if (received === null) return false;
    return received.track.sendMessageBinary(buildPli(this.rtcpSsrc, received.stats.ssrc));
  }

  sendEstimate(key: string, bitsPerSecond: number): boolean {
    const received = this.received(key);
    if (received === null) return false;
    const reception = new ReceptionStats();
    reception.received(0);
    const feedback = buildReceiverFeedback(
      this.rtcpSsrc,
      [{ ssrc: received.stats.ssrc, stats: reception }],
      bitsPerSecond,
    );
    return feedback !== null && received.track.sendMessageBinary(feedback);
  }

  sendOnTrack(key: string, packet: Buffer): boolean {
    const receiving = [...this.receiving.values()].find((r) => r.key === key);
    if (!receiving?.track.isOpen()) return false;
    return receiving.track.sendMessageBinary(packet);
  }

  tracks(): Track[] {
    return [...this.receiving.values()].map((receiving) => receiving.track);
  }

  /** The second step of the bot's close(), after the publish side's tracks. */
  closeTracks(): void {
    this.closed = true;
    this.transportCc.stop();
    for (const receiving of this.receiving.values()) receiving.track.close();
    this.receiving.clear();
  }

  closeChannel(): void {
    this.dataChannel?.close();
    this.relay?.close();
  }

  /** The end of the bot's close(): resolves once no offer is being answered any more. */
  closeConnection(): Promise<void> {
    this.pc?.close();
    this.pc = null;
    return this.queue;
  }

  /** RTCP on the first open received track, SRTCP-protected like the bot's own reports. */
  sendRtcp(packet: Buffer): boolean {
    const track = this.tracks().find((t) => t.isOpen());
    if (!track) return false;
    try {
      return track.sendMessageBinary(packet);
    } catch {
      return false;
    }
  }

  private async connect(): Promise<void> {
    if (this.pc) throw new Error('already subscribing');
    const pc = new ndc.PeerConnection('bot-sub', rtcConfig(this.settings.bindAddress, true));
    this.pc = pc;
    pc.onTrack((track) => this.receiveTrack(track));
    this.dataChannel = retainUntilClosed(pc.createDataChannel('parley'));
    pc.setLocalDescription('offer');
    await gatheringComplete(pc);
    let answer = await this.signal.subscribe(localSdp(pc));
    if (this.closed) return;
    if (this.settings.downlinkLoss > 0) {
      this.relay = await LossyRelay.open(
        hostCandidate(answer),
        lossEvery(this.settings.downlinkLoss, 96, this.settings.audioNack ? 111 : -1),
      );
      answer = this.relay.redirect(answer);
    }
    pc.setRemoteDescription(answer, 'answer');
  }

  private async answerOffer(sdp: string, tracks: SubscribedTrack[]): Promise<void> {
    const pc = this.pc;
    if (this.closed || !pc) return;
    this.trackList = tracks;
    this.latestOffer = sdp;
    const keys = new Map(tracks.map((t) => [t.mid, `${t.participantId}:${t.source}`]));
    for (const [mid, receiving] of this.receiving) receiving.key = keys.get(mid) ?? null;
    // Like a browser: an m-line removed by the offer (port 0) stops its transceiver; libdatachannel
    // then answers port 0 for it too, once its track is gone.
    for (const media of describeMedia(sdp)) {
      const receiving = this.receiving.get(media.mid);
      if (media.rejected && receiving) {
        receiving.track.close();
        this.receiving.delete(media.mid);
      }
    }
    this.offered = new Map(tracks.map((t) => [t.mid, t]));
    pc.setRemoteDescription(this.relay ? this.relay.redirect(sdp) : sdp, 'offer');
    // libdatachannel throws from setLocalDescription('answer') in any other state (the connection
    // closed or failed meanwhile, natively), and node-datachannel does not catch it: the process aborts.
    const state = pc.signalingState();
    if (state === 'closed') return; // as a browser ignores an offer for a closed connection
    if (state !== 'have-remote-offer') throw new Error(`cannot answer in signaling state ${state}`);
    pc.setLocalDescription('answer');
    const answer = pc.localDescription()!.sdp;
    let kept = this.settings.subscriberRtx
      ? answer
      : withoutFormat(answer, 'video', OUTGOING_RTX_PAYLOAD_TYPE);
    if (!this.settings.subscriberRed) kept = withoutFormat(kept, 'audio', RED_PAYLOAD_TYPE);
    if (this.settings.rejectVideo) kept = withVideoRejected(kept);
    await this.signal.subscriberAnswer(kept);
    this.offers++;
  }

  private receiveTrack(track: Track): void {
    if (this.closed) {
      retainUntilClosed(track).close();
      return;
    }
    const mid = track.mid();
    const offered = this.offered.get(mid);
    const key = offered ? `${offered.participantId}:${offered.source}` : null;
    const receiving: ReceivingTrack = {
      track,
      key,
      kind: offered?.kind ?? 'video',
      highest: -1,
      missing: new Set(),
    };
    retainUntilClosed(track);
    this.receiving.set(mid, receiving);
    track.onMessage((message) => this.receivePacket(receiving, message));
  }

  private receivePacket(receiving: ReceivingTrack, packet: Buffer): void {
    if (this.settings.subscriberTransportCc && !isRtcp(packet)) this.transportCc.arrived(packet);
    if (receiving.key === null) return;
    let stats = this.stats.get(receiving.key);
    if (!stats) {
      stats = newReceivedStream();
      this.stats.set(receiving.key, stats);
    }
    if (isRtcp(packet)) {
      countSenderReports(stats, packet);
      return;
    }
    if (packet.length < 12) return;
    if (this.settings.subscriberRtx && (packet[1]! & 0x7f) === OUTGOING_RTX_PAYLOAD_TYPE) {
      const restored = this.rtx.unwrap(packet, stats.ssrc);
      if (restored === null) return;
      packet = restored;
    }
    if (receiving.kind === 'video' || this.settings.audioNack) {
      this.loss.arrived(receiving, packet.readUInt16BE(2), packet.readUInt32BE(8));
    }
    countRtp(stats, packet, receiving.kind);
    this.watchers.get(receiving.key)?.(packet);
  }
}

/**
 * A subscriber's answer without a payload type the SFU offers on `kind` m-lines (a receiver without
 * RTX, or without RED).
 */
function withoutFormat(answer: string, kind: 'audio' | 'video', payloadType: number): string {
  const doc = parseSdp(answer);
  const dropped = String(payloadType);
  doc.media = doc.media.map((section) =>
    section
      .filter((line) => !line.startsWith(`a=rtpmap:${dropped} `) && !line.startsWith(`a=fmtp:${dropped} `))
      .filter((line) => !line.startsWith(`a=rtcp-fb:${dropped} `))
      .map((line) => {
        if (!line.startsWith(`m=${kind} `)) return line;
        const [media, port, proto, ...formats] = line.split(' ');
        return [media, port, proto, ...formats.filter((format) => format !== dropped)].join(' ');
      }),
  );
  return writeSdp(doc);
}

/**
 * A subscriber's answer that rejects every video m-line (port 0, out of the BUNDLE group), as Firefox
 * answers an m-line whose only codec it cannot decode. The bot's own connection still takes packets on
 * it, so anything the SFU sends there is counted.
 */
function withVideoRejected(answer: string): string {
  const doc = parseSdp(answer);
  const rejected = new Set<string>();
  doc.media = doc.media.map((section) => {
    if (!section[0]?.startsWith('m=video ')) return section;
    const mid = section.find((line) => line.startsWith('a=mid:'))?.slice('a=mid:'.length);
    if (mid !== undefined) rejected.add(mid);
    const [media, , proto, ...formats] = section[0].split(' ');
    return [[media, '0', proto, ...formats].join(' '), ...section.slice(1)];
  });
  doc.session = doc.session.map((line) =>
    line.startsWith('a=group:BUNDLE ')
      ? [
          'a=group:BUNDLE',
          ...line
            .slice('a=group:BUNDLE '.length)
            .split(' ')
            .filter((mid) => !rejected.has(mid)),
        ].join(' ')
      : line,
  );
  return writeSdp(doc);
}

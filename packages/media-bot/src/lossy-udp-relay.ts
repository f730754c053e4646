import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

/**
 * A lossy network in front of the SFU's UDP port, for browsers: it listens on another loopback
 * address (the server announces it as PARLEY_PUBLIC_IP) and relays each client's packets to the SFU
 * from a socket of its own, like a NAT, dropping a share of the RTP packets on the way to the clients
 * (and, when asked, on the way from the clients to the SFU).
 * Loss happens after SRTP encryption, where a network loses packets, so retransmissions can recover
 * them. STUN, DTLS and RTCP always pass: the loss is about media, not about setting up.
 */
export class LossyUdpRelay {
  /** RTP packets dropped and relayed towards the clients. */
  dropped = 0;
  relayed = 0;
  /** RTP packets dropped and relayed towards the SFU. */
  droppedUp = 0;
  relayedUp = 0;
  private readonly upstreams = new Map<string, dgram.Socket>();
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly target: { address: string; port: number },
    private readonly lossRate: number,
    private random: () => number,
    private readonly uplinkLossRate: number,
    private readonly uplinkRandom: () => number,
  ) {
    socket.on('message', (packet, from) => this.fromClient(packet, from));
  }

  /**
   * Listen on `address` (e.g. 127.0.0.2) at a free port; the SFU is expected at 127.0.0.1 on the same
   * port (set PARLEY_RTC_PORT to `port`). `lossRate` 0.05 drops 5 % of the RTP packets, chosen by a
   * seeded generator so that runs are alike; `uplinkLossRate` the same on the way to the SFU.
   */
  static async open(address: string, lossRate: number, seed = 1, uplinkLossRate = 0): Promise<LossyUdpRelay> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    const port = (socket.address() as AddressInfo).port;
    return new LossyUdpRelay(
      socket,
      { address: '127.0.0.1', port },
      lossRate,
      seededRandom(seed),
      uplinkLossRate,
      seededRandom(seed + 1),
    );
  }

  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  private fromClient(packet: Buffer, from: dgram.RemoteInfo): void {
    if (this.closed) return;
    const key = `${from.address}:${from.port}`;
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      const socket = dgram.createSocket('udp4');
      socket.on('message', (reply) => this.toClient(reply, from));
      socket.bind(0, '127.0.0.1');
      this.upstreams.set(key, socket);
      upstream = socket;
    }
    if (this.uplinkLossRate > 0 && isRtp(packet)) {
      if (this.uplinkRandom() < this.uplinkLossRate) {
        this.droppedUp++;
        return;
      }
      this.relayedUp++;
    }
    upstream.send(packet, this.target.port, this.target.address);
  }

  private toClient(packet: Buffer, client: dgram.RemoteInfo): void {
    if (this.closed) return;
    if (isRtp(packet)) {
      if (this.random() < this.lossRate) {
        this.dropped++;
        return;
      }
      this.relayed++;
    }
    this.socket.send(packet, client.port, client.address);
  }

  close(): void {
    this.closed = true;
    for (const socket of this.upstreams.values()) socket.close();
    this.upstreams.clear();
    this.socket.close();
  }
}

/** RTP (not RTCP, STUN or DTLS): version 2, and a second byte outside RTCP's packet types 192–223. */
export function isRtp(packet: Buffer): boolean {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return false;
  const type = packet[1]!;
  return type < 192 || type > 223;
}

/** A small deterministic generator (mulberry32), so each run loses the same share of packets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

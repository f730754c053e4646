import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isRtp, seededRandom } from './lossy-udp-relay.js';

/**
 * A network in front of the SFU's UDP port where one browser's downlink is narrow: the relay listens
 * on another loopback address (the server announces it as PARLEY_PUBLIC_IP) and relays each client's
 * packets from a socket of its own, like a NAT. A capped client's packets from the SFU pass a
 * bottleneck: a token bucket at the cap's rate behind a queue of QUEUE_MS, dropping what overflows it
 * (tail drop, as a home router does) — so the browser sees delay grow, then loss. (`tc netem` is not
 * available here.)
 *
 * Clients are told apart by their ICE username fragment, read from their STUN binding requests
 * (USERNAME = "<SFU's ufrag>:<client's ufrag>"): both connections of one browser tab are capped
 * together, whichever ports they use.
 *
 * Caps can be lifted again (`uncap`), and random loss of RTP packets each way, for every client, can
 * be switched on and off (`setLoss`): the quality benchmark (bench/quality.ts) changes the network
 * while a meeting runs.
 */
export class ShapingUdpRelay {
  private readonly upstreams = new Map<string, Client>();
  private readonly caps = new Map<string, number>();
  private closed = false;
  /** Bytes the bottlenecks of lifted caps had dropped. */
  private releasedDroppedBytes = 0;
  private lossToClients = 0;
  private lossToServer = 0;
  private readonly random: () => number;
  private readonly uplinkRandom: () => number;
  /** RTP packets dropped at random (`setLoss`) and relayed, towards the clients and towards the SFU. */
  readonly loss = { dropped: 0, relayed: 0, droppedUp: 0, relayedUp: 0 };

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly target: { address: string; port: number },
    seed: number,
  ) {
    this.random = seededRandom(seed);
    this.uplinkRandom = seededRandom(seed + 1);
    socket.on('message', (packet, from) => this.fromClient(packet, from));
  }

  /**
   * Listen on `address` at a free port; the SFU is expected at 127.0.0.1 on the same port. `seed`
   * seeds the generators that choose the packets `setLoss` drops, so that runs are alike.
   */
  static async open(address: string, seed = 1): Promise<ShapingUdpRelay> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    const port = (socket.address() as AddressInfo).port;
    return new ShapingUdpRelay(socket, { address: '127.0.0.1', port }, seed);
  }

  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  /** Cap the downlink of the connections whose local ICE ufrag is one of `ufrags`, in bits/s. */
  cap(ufrags: readonly string[], bitsPerSecond: number): void {
    for (const ufrag of ufrags) this.caps.set(ufrag, bitsPerSecond);
    for (const client of this.upstreams.values()) {
      const rate = client.ufrag === null ? undefined : this.caps.get(client.ufrag);
      if (rate !== undefined)
        client.bottleneck ??= new Bottleneck(rate, (packet) => this.send(packet, client));
    }
  }

  /**
   * Lift the cap of the connections whose local ICE ufrag is one of `ufrags`: what their bottleneck
   * holds goes out at once, later packets pass unshaped.
   */
  uncap(ufrags: readonly string[]): void {
    for (const ufrag of ufrags) this.caps.delete(ufrag);
    for (const client of this.upstreams.values()) {
      if (client.bottleneck && client.ufrag !== null && ufrags.includes(client.ufrag)) {
        client.bottleneck.release();
        this.releasedDroppedBytes += client.bottleneck.droppedBytes;
        client.bottleneck = null;
      }
    }
  }

  /**
   * Drop this share (0–1) of the RTP packets towards every client and towards the SFU (0: none).
   * STUN, DTLS and RTCP always pass, as in LossyUdpRelay.
   */
  setLoss(toClients: number, toServer = toClients): void {
    this.lossToClients = toClients;
    this.lossToServer = toServer;
  }

  /** Bytes dropped at the bottlenecks (their queues overflowed), lifted caps included. */
  get droppedBytes(): number {
    let dropped = this.releasedDroppedBytes;
    for (const client of this.upstreams.values()) dropped += client.bottleneck?.droppedBytes ?? 0;
    return dropped;
  }

  private fromClient(packet: Buffer, from: dgram.RemoteInfo): void {
    if (this.closed) return;
    const key = `${from.address}:${from.port}`;
    let client = this.upstreams.get(key);
    if (!client) {
      const socket = dgram.createSocket('udp4');
      const created: Client = {
        socket,
        address: from.address,
        port: from.port,
        ufrag: null,
        bottleneck: null,
      };
      socket.on('message', (reply) => this.toClient(reply, created));
      socket.bind(0, '127.0.0.1');
      this.upstreams.set(key, created);
      client = created;
    }
    if (client.ufrag === null) {
      client.ufrag = stunClientUfrag(packet);
      const rate = client.ufrag === null ? undefined : this.caps.get(client.ufrag);
      if (rate !== undefined) {
        const capped = client;
        capped.bottleneck = new Bottleneck(rate, (reply) => this.send(reply, capped));
      }
    }
    if (this.lossToServer > 0 && isRtp(packet)) {
      if (this.uplinkRandom() < this.lossToServer) {
        this.loss.droppedUp++;
        return;
      }
      this.loss.relayedUp++;
    }
    client.socket.send(packet, this.target.port, this.target.address);
  }

  private toClient(packet: Buffer, client: Client): void {
    if (this.closed) return;
    if (this.lossToClients > 0 && isRtp(packet)) {
      if (this.random() < this.lossToClients) {
        this.loss.dropped++;
        return;
      }
      this.loss.relayed++;
    }
    if (client.bottleneck) client.bottleneck.push(packet);
    else this.send(packet, client);
  }

  private send(packet: Buffer, client: Client): void {
    if (!this.closed) this.socket.send(packet, client.port, client.address);
  }

  close(): void {
    this.closed = true;
    for (const client of this.upstreams.values()) {
      client.bottleneck?.stop();
      client.socket.close();
    }
    this.upstreams.clear();
    this.socket.close();
  }
}

interface Client {
  socket: dgram.Socket;
  address: string;
  port: number;
  /** The client's ICE ufrag once a STUN binding request showed it. */
  ufrag: string | null;
  bottleneck: Bottleneck | null;
}

/** How much the bottleneck queues before it drops (ms at its rate): a modest router buffer. */
const QUEUE_MS = 150;
/** How often the bottleneck lets queued packets out. */
const PACE_MS = 5;

/** A token bucket at `bitsPerSecond` behind a bounded FIFO queue. */
class Bottleneck {
  droppedBytes = 0;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private credit = 0;
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly bytesPerMs: number;

  constructor(
    bitsPerSecond: number,
    private readonly deliver: (packet: Buffer) => void,
  ) {
    this.bytesPerMs = bitsPerSecond / 8 / 1000;
    this.timer = setInterval(() => this.drain(), PACE_MS);
  }

  push(packet: Buffer): void {
    if (this.queuedBytes + packet.length > this.bytesPerMs * QUEUE_MS) {
      this.droppedBytes += packet.length;
      return;
    }
    this.queue.push(packet);
    this.queuedBytes += packet.length;
    this.drain();
  }

  private drain(): void {
    const now = performance.now();
    // Credit for the time passed, at most one packet's worth banked while idle (no bursts after a pause).
    this.credit = Math.min(this.credit + (now - this.last) * this.bytesPerMs, 1500);
    this.last = now;
    while (this.queue.length > 0 && this.credit >= this.queue[0]!.length) {
      const packet = this.queue.shift()!;
      this.credit -= packet.length;
      this.queuedBytes -= packet.length;
      this.deliver(packet);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops shaping: everything queued is delivered now, in order. */
  release(): void {
    this.stop();
    for (const packet of this.queue.splice(0)) this.deliver(packet);
    this.queuedBytes = 0;
  }
}

/** The client's ufrag from a STUN binding request's USERNAME ("<server ufrag>:<client ufrag>"), or null. */
function stunClientUfrag(packet: Buffer): string | null {
  // STUN: first two bits 0, magic cookie 0x2112A442; binding request type 0x0001.
  if (packet.length < 20 || packet.readUInt16BE(0) !== 0x0001 || packet.readUInt32BE(4) !== 0x2112a442)
    return null;
  let offset = 20;
  const end = Math.min(packet.length, 20 + packet.readUInt16BE(2));
  while (offset + 4 <= end) {
    const type = packet.readUInt16BE(offset);
    const length = packet.readUInt16BE(offset + 2);
    if (offset + 4 + length > end) return null;
    if (type === 0x0006) {
      const username = packet.toString('utf8', offset + 4, offset + 4 + length);
      const colon = username.indexOf(':');
      return colon < 0 ? null : username.slice(colon + 1);
    }
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return null;
}

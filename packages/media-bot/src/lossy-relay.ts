import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

/**
 * A UDP relay between one client and the SFU that can drop packets on the way to the client (or to the
 * SFU), to
 * simulate loss where a real network loses packets: after SRTP encryption, before decryption. (A
 * packet dropped after decryption cannot be "recovered": SRTP replay protection rejects the copy.)
 *
 * The client is pointed at the relay by rewriting the SFU's candidate in the SDP it receives; the
 * SFU learns the relay's address from the connectivity checks, as it would learn a NAT mapping.
 */
export class LossyRelay {
  private client: { address: string; port: number } | null = null;
  dropped = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    target: { address: string; port: number },
    dropToClient: (packet: Buffer) => boolean,
    dropToTarget: (packet: Buffer) => boolean,
  ) {
    socket.on('message', (packet, from) => {
      if (from.address === target.address && from.port === target.port) {
        if (!this.client) return;
        if (dropToClient(packet)) {
          this.dropped++;
          return;
        }
        socket.send(packet, this.client.port, this.client.address);
      } else {
        this.client = { address: from.address, port: from.port };
        if (dropToTarget(packet)) {
          this.dropped++;
          return;
        }
        socket.send(packet, target.port, target.address);
      }
    });
  }

  static async open(
    target: { address: string; port: number },
    dropToClient: (packet: Buffer) => boolean,
    dropToTarget: (packet: Buffer) => boolean = () => false,
  ): Promise<LossyRelay> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new LossyRelay(socket, target, dropToClient, dropToTarget);
  }

  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  /** Point the SDP's host candidate(s) at this relay instead of the SFU. */
  redirect(sdp: string): string {
    return sdp.replace(
      /^(a=candidate:\S+ \d+ \S+ \d+ )(\S+) (\d+)( typ host.*)$/gm,
      (_line, head: string, _address: string, _port: string, tail: string) =>
        `${head}127.0.0.1 ${this.port}${tail}`,
    );
  }

  close(): void {
    this.socket.close();
  }
}

/** The host candidate an SDP announces (the SFU announces exactly one). */
export function hostCandidate(sdp: string): { address: string; port: number } {
  const match = /^a=candidate:\S+ \d+ \S+ \d+ (\S+) (\d+) typ host/m.exec(sdp);
  if (!match) throw new Error('no host candidate in the SDP');
  return { address: match[1]!, port: Number(match[2]) };
}

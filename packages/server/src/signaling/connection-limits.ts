// Privacy: keeps connection-addresses — per client network (IPv4 address, IPv6 /64) the number of its
// open signaling connections, in memory, only while at least one of them is open.
import type { Duplex } from 'node:stream';
import { CloseCode } from '@parley/protocol';
import type { WebSocket } from 'ws';
import { addressPrefix } from '../privacy/address-prefix.js';
import { declareStore } from '../privacy/memory-stores.js';

declareStore('connection-addresses');

/**
 * Everything a connection may send before it has joined a meeting, in bytes on the wire: a `join`
 * with the longest password, invitation and resume token is under 8 KiB. Bounds the memory an
 * unfinished message can hold before the sender has identified itself at all.
 */
export const PRE_JOIN_BYTES = 32 * 1024;

/** What bounds connections that are not (yet) in a meeting. */
export interface ConnectionLimits {
  /** A connection not in a meeting is closed this long after it opened or left one (ms). */
  joinDeadlineMs: number;
  /** Open signaling connections per client network (IPv4 address, IPv6 /64). */
  maxConnectionsPerAddress: number;
}

/**
 * Counts the open signaling connections per client network, so that one client cannot hold
 * thousands of sockets (each costs memory and a file descriptor). IPv6 counts by /64: the whole
 * network belongs to one subscriber.
 */
export class ConnectionCounter {
  readonly #counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Counts a new connection from `address`; null when that network is at its limit. */
  open(address: string): (() => void) | null {
    const key = addressPrefix(address);
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.maxPerAddress) return null;
    this.#counts.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }

  /** Networks with at least one open connection. */
  get size(): number {
    return this.#counts.size;
  }
}

/** What the signaling session tells the guard about its membership. */
export interface JoinWatch {
  /** A join was asked for (its outcome is bounded by the meetings' own limits). */
  joining(): void;
  /** The join failed: the deadline counts on from where it was. */
  joinFailed(): void;
  /** The participant left its meeting but kept the socket: a fresh deadline starts. */
  left(): void;
}

/**
 * Watches one connection until it joins: closes it (CloseCode.joinDeadline) when it has not asked to
 * join within the deadline, and cuts it off when it sends more than PRE_JOIN_BYTES before joining —
 * counted on the TCP stream, so a half-sent huge frame counts as it arrives, not when complete.
 */
export class JoinGuard implements JoinWatch {
  #deadline: number;
  #timer: NodeJS.Timeout | null = null;
  #bytes = 0;
  #countingBytes = true;
  readonly #onData = (chunk: Buffer) => {
    this.#bytes += chunk.length;
    if (this.#bytes > PRE_JOIN_BYTES) this.socket.terminate();
  };

  constructor(
    private readonly socket: WebSocket,
    private readonly stream: Duplex | null,
    private readonly deadlineMs: number,
  ) {
    this.#deadline = Date.now() + deadlineMs;
    this.#arm();
    stream?.on('data', this.#onData);
    socket.once('close', () => this.#stop());
  }

  joining(): void {
    this.#clearTimer();
    this.#stopCountingBytes();
  }

  joinFailed(): void {
    this.#arm();
  }

  left(): void {
    this.#deadline = Date.now() + this.deadlineMs;
    this.#arm();
  }

  /** The connection was handed to another cluster node, whose own guard watches it. */
  handedOver(): void {
    this.#stop();
  }

  #arm(): void {
    this.#clearTimer();
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        if (this.socket.readyState === this.socket.OPEN) {
          this.socket.close(CloseCode.joinDeadline, 'join deadline passed');
        }
      },
      Math.max(0, this.#deadline - Date.now()),
    );
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #stopCountingBytes(): void {
    if (!this.#countingBytes) return;
    this.#countingBytes = false;
    this.stream?.off('data', this.#onData);
  }

  #stop(): void {
    this.#clearTimer();
    this.#stopCountingBytes();
  }
}

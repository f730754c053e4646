import { CloseCode } from '@parley/protocol';
import { WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import type { NodeInfo } from './node-directory.js';
import type { BufferedMessage } from './signaling-proxy.js';

/** Where a signaling connection arrived from: the browser itself, or another node on its behalf. */
export interface Arrival {
  address: string | undefined;
  host: string | undefined;
  protocol: 'http' | 'https';
  cookie: string | undefined;
  origin: string | undefined;
  /** 0: straight from the browser (or the load balancer); n: forwarded by n nodes. */
  hops: number;
}

/** Where a meeting runs: here, on another node, or nowhere just now (the client tries again). */
export type Placement = { here: true } | { here: false; node: NodeInfo } | { refused: true };
export const HERE: Placement = { here: true };

/** The room named by a `join` (or `join`-like) first message, or null. */
function roomOfFirstMessage([data, isBinary]: BufferedMessage): string | null {
  if (isBinary) return null;
  try {
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as Buffer).toString('utf8');
    const message = JSON.parse(text) as { type?: unknown; room?: unknown };
    return message.type === 'join' && typeof message.room === 'string' && message.room !== ''
      ? message.room
      : null;
  } catch {
    return null;
  }
}

/** How a held connection is placed and, if its meeting runs elsewhere, sent on. */
export interface Placing {
  place(roomName: string): Promise<Placement>;
  forward(node: NodeInfo, held: BufferedMessage[]): void;
  logger: Logger;
}

/**
 * Holds a new signaling connection's messages until the first one names the room, then either serves
 * it on this node (`open` starts the session; held messages are replayed to it) or forwards it.
 */
export function holdUntilPlaced(socket: WebSocket, open: () => Promise<() => void>, ways: Placing): void {
  const held: BufferedMessage[] = [];
  const hold = (data: BufferedMessage[0], isBinary: boolean) => {
    held.push([data, isBinary]);
    if (held.length === 1) void decide();
  };
  socket.on('message', hold);
  const decide = async () => {
    const roomName = roomOfFirstMessage(held[0] as BufferedMessage);
    let placement: Placement = HERE;
    if (roomName !== null) {
      try {
        placement = await ways.place(roomName);
      } catch (err) {
        ways.logger.warn({ err }, 'cluster: placing a meeting failed');
        placement = { refused: true };
      }
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    if ('refused' in placement) {
      socket.off('message', hold);
      socket.close(CloseCode.tryAgain, 'try again');
      return;
    }
    if (placement.here) {
      const start = await open();
      socket.off('message', hold);
      start();
      for (const [data, isBinary] of held) socket.emit('message', data, isBinary);
      return;
    }
    socket.off('message', hold);
    ways.forward(placement.node, held);
  };
}

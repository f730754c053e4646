import { CloseCode } from '@parley/protocol';
import { type RawData, WebSocket } from 'ws';
import { FORWARDED_HEADER } from './forwarded-client.js';

/** A message as `ws` delivers it, kept to be replayed in order. */
export type BufferedMessage = [data: RawData, isBinary: boolean];

/** Close codes a peer may not send itself (RFC 6455 §7.4.1): replaced when passing a close on. */
function passableCode(code: number): number {
  return code === 1000 ||
    (code >= 3000 && code <= 4999) ||
    (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006)
    ? code
    : 1012;
}

export interface ForwardTarget {
  /** The hosting node's internal base URL (http://host:port). */
  nodeUrl: string;
  /** Headers for the hosting node: the browser's cookie and origin, and the signed forwarding facts. */
  cookie: string | undefined;
  origin: string | undefined;
  forwarded: string;
}

/**
 * Carries one browser's signaling connection to the node that hosts its meeting: opens a WebSocket
 * there, replays what the browser already sent, then passes messages both ways until either side
 * closes, and closes the other one with the same code. When the hosting node dies, the browser sees
 * its connection close (1012) and resumes, reaching whichever node hosts the meeting then.
 */
export class SignalingProxy {
  private readonly upstream: WebSocket;
  private done = false;

  constructor(
    private readonly client: WebSocket,
    target: ForwardTarget,
    buffered: BufferedMessage[],
    private readonly onEnd: () => void,
    /** The hosting node refused the connection: nothing listens there any more (it died). */
    onRefused: () => void = () => {},
  ) {
    const headers: Record<string, string> = { [FORWARDED_HEADER]: target.forwarded };
    if (target.cookie !== undefined) headers.cookie = target.cookie;
    if (target.origin !== undefined) headers.origin = target.origin;
    const url = new URL('/ws', target.nodeUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.upstream = new WebSocket(url, { headers, perMessageDeflate: false });
    const pending = [...buffered];

    client.on('message', (data, isBinary) => {
      if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(data, { binary: isBinary });
      else pending.push([data, isBinary]);
    });
    this.upstream.on('open', () => {
      for (const [data, isBinary] of pending.splice(0)) this.upstream.send(data, { binary: isBinary });
    });
    this.upstream.on('message', (data, isBinary) => {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    const finish = (code: number, reason: string) => {
      if (this.done) return;
      this.done = true;
      this.onEnd();
      if (client.readyState === WebSocket.OPEN || client.readyState === WebSocket.CONNECTING) {
        client.close(passableCode(code), reason);
      }
      if (this.upstream.readyState === WebSocket.OPEN) this.upstream.close(passableCode(code), reason);
      else if (this.upstream.readyState === WebSocket.CONNECTING) this.upstream.terminate();
    };
    this.upstream.on('close', (code, reason) => finish(code, reason.toString()));
    this.upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') onRefused();
      finish(1012, 'hosting node unreachable');
    });
    this.upstream.on('unexpected-response', () => finish(1012, 'hosting node refused'));
    client.on('close', (code, reason) => finish(code, reason.toString()));
    client.on('error', () => finish(1011, 'client error'));
  }

  /** Ends the forwarding (this node drains): the browser resumes on another node. */
  close(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
    if (this.client.readyState === WebSocket.OPEN) this.client.close(code, reason);
    if (this.upstream.readyState === WebSocket.OPEN) this.upstream.close(CloseCode.goingAway, reason);
    else this.upstream.terminate();
  }
}

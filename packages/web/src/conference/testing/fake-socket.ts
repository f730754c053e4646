import { CloseCode } from '@parley/protocol';

/** A WebSocket stand-in: the test opens, closes and feeds it by hand. */
export class FakeSocket extends EventTarget {
  static last: FakeSocket;
  readonly sent: Record<string, unknown>[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.last = this;
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.dispatchEvent(Object.assign(new Event('close'), { code: CloseCode.normal, reason: '' }));
  }
  open(): void {
    this.dispatchEvent(new Event('open'));
  }
  receive(message: unknown): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(message) }));
  }
  drop(): void {
    this.dispatchEvent(Object.assign(new Event('close'), { code: CloseCode.abnormal, reason: '' }));
  }
}

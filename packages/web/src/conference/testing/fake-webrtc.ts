/**
 * Just enough of RTCPeerConnection and of the signaling client for the connection classes' tests,
 * which run in Node without a browser. Every step is written to a shared log so tests can check order.
 */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class FakeTransceiver {
  mid: string | null = null;
  direction: RTCRtpTransceiverDirection;
  codecPreferences: { mimeType: string }[] | null = null;
  /** The `sendEncodings` given to addTransceiver (RID simulcast), if any. */
  sendEncodings: RTCRtpEncodingParameters[] | undefined;
  readonly receiver: { track: { id: string } };
  readonly sender: { track: unknown; replaceTrack(track: unknown): Promise<void>; setStreams(): void };

  constructor(track: unknown, direction: RTCRtpTransceiverDirection, receiverTrackId: string) {
    this.direction = direction;
    this.receiver = { track: { id: receiverTrackId } };
    const sender = {
      track,
      async replaceTrack(next: unknown) {
        sender.track = next;
      },
      setStreams() {},
    };
    this.sender = sender;
  }

  setCodecPreferences(codecs: { mimeType: string }[]): void {
    this.codecPreferences = codecs;
  }
}

export class FakePeerConnection {
  static instances: FakePeerConnection[] = [];
  readonly transceivers: FakeTransceiver[] = [];
  connectionState = 'new';
  private offers = 0;
  private nextMid = 0;
  private readonly listeners = new Map<string, (() => void)[]>();

  constructor(
    private config: RTCConfiguration,
    readonly log: string[] = FakePeerConnection.sharedLog,
  ) {
    FakePeerConnection.instances.push(this);
  }

  getConfiguration(): RTCConfiguration {
    return this.config;
  }

  setConfiguration(config: RTCConfiguration): void {
    this.log.push(`setConfiguration ${JSON.stringify(config.iceServers ?? [])}`);
    this.config = config;
  }

  static sharedLog: string[] = [];

  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  createDataChannel(label: string): void {
    this.log.push(`datachannel ${label}`);
  }

  /** What createOffer returns for a connection (default: `local-offer-<n>`); set by a test. */
  static offerSdp: ((pc: FakePeerConnection) => string | undefined) | null = null;

  addTransceiver(
    track: unknown,
    init: { direction: RTCRtpTransceiverDirection; sendEncodings?: RTCRtpEncodingParameters[] },
  ): FakeTransceiver {
    const transceiver = new FakeTransceiver(track, init.direction, `local-${this.transceivers.length}`);
    transceiver.sendEncodings = init.sendEncodings;
    this.transceivers.push(transceiver);
    return transceiver;
  }

  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    this.offers++;
    return { type: 'offer', sdp: FakePeerConnection.offerSdp?.(this) ?? `local-offer-${this.offers}` };
  }

  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'answer', sdp: 'local-answer' };
  }

  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.log.push(`setLocal ${description.sdp}`);
    // Like a browser: transceivers get their mid when the local offer is applied.
    for (const transceiver of this.transceivers)
      if (transceiver.mid === null) transceiver.mid = String(this.nextMid++);
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.log.push(`setRemote ${description.sdp}`);
    // A server offer "remote-offer:<mid>,<mid>" creates receiving transceivers for new mids.
    const match = /^remote-offer:(.*)$/.exec(description.sdp ?? '');
    for (const mid of match?.[1]?.split(',').filter(Boolean) ?? []) {
      if (this.transceivers.some((t) => t.mid === mid)) continue;
      const transceiver = new FakeTransceiver(null, 'recvonly', `remote-${mid}`);
      transceiver.mid = mid;
      this.transceivers.push(transceiver);
    }
    for (const listener of this.listeners.get('track') ?? []) listener();
  }

  close(): void {
    this.log.push('close');
  }

  /** ICE or DTLS gave up, as a browser reports it. */
  fail(): void {
    this.connectionState = 'failed';
    for (const listener of this.listeners.get('connectionstatechange') ?? []) listener();
  }
}

/** A signaling client whose answers the test hands out one by one. */
export class FakeSignaling {
  readonly requests: { type: string; payload: Record<string, unknown>; answer: Deferred<unknown> }[] = [];

  constructor(private readonly log: string[]) {}

  request(type: string, payload: Record<string, unknown>): Promise<unknown> {
    const answer = deferred<unknown>();
    this.log.push(`request ${type}${'sdp' in payload ? ` ${payload.sdp}` : ''}`);
    this.requests.push({ type, payload, answer });
    return answer.promise;
  }
}

/** Lets every pending promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

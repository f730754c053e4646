/// <reference lib="webworker" />
import {
  clearPrefixLength,
  decryptFrame,
  deriveFrameKey,
  EPOCH_BITS,
  encryptFrame,
  type FrameKey,
  keyId,
  looksEncrypted,
} from './sframe';
import type {
  FrameStats,
  FrameTap,
  FromWorker,
  ReceiveMode,
  SendMode,
  ToWorker,
  TransformOptions,
} from './worker-messages';

/**
 * The frame transform worker: every RTCRtpScriptTransform of the page runs here. Sender transforms
 * seal frames with our own key of the send epoch; receiver transforms open them with the sender's key
 * found by KID (leaf and epoch). Keys arrive from the page per epoch; old ones are kept a while for
 * frames still in flight.
 */

/** Receive keys of a replaced epoch stay this long, for frames still in flight (research pitfall 4). */
const OLD_KEY_RETENTION_MS = 10_000;
/** At most one keyframe request per receiver this often. */
const KEYFRAME_REQUEST_INTERVAL_MS = 1000;

interface Epoch {
  epoch: number;
  baseKey: Uint8Array;
  leaf: number;
  keys: Map<number, Promise<FrameKey>>;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
/** By epoch mod 2^EPOCH_BITS: what a KID can name. */
const epochs = new Map<number, Epoch>();
let sendMode: SendMode = 'clear';
let receiveMode: ReceiveMode = 'clear';
let strictSince = 0;
let sendEpoch: Epoch | null = null;
/** One counter per sending KID, shared by all our senders so a (key, CTR) pair never repeats. */
const counters = new Map<number, number>();
const stats: FrameStats = { encrypted: 0, decrypted: 0, passed: 0, dropped: 0 };
/** Only switched on by a test page (E2eeSession with the tap flag); never in normal use. */
let tap: FrameTap | null = null;
const TAP_LIMIT = 60;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function keyFor(epoch: Epoch, kid: number): Promise<FrameKey> {
  let key = epoch.keys.get(kid);
  if (!key) {
    key = deriveFrameKey(epoch.baseKey, kid);
    epoch.keys.set(kid, key);
  }
  return key;
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'epoch':
      epochs.set(message.epoch % 2 ** EPOCH_BITS, { ...message, keys: new Map() });
      break;
    case 'send-epoch': {
      const next = epochs.get(message.epoch % 2 ** EPOCH_BITS);
      if (!next || next.epoch !== message.epoch) break;
      sendEpoch = next;
      sendMode = 'encrypt';
      setTimeout(() => {
        for (const [slot, epoch] of epochs)
          if (epoch.epoch < next.epoch && sendEpoch === next) epochs.delete(slot);
      }, OLD_KEY_RETENTION_MS);
      break;
    }
    case 'mode':
      if (message.receive === 'strict' && receiveMode !== 'strict') strictSince = Date.now();
      sendMode = message.send === 'encrypt' && !sendEpoch ? 'hold' : message.send;
      receiveMode = message.receive;
      break;
    case 'reset':
      epochs.clear();
      counters.clear();
      sendEpoch = null;
      sendMode = 'clear';
      receiveMode = 'clear';
      break;
    case 'stats':
      post({ type: 'stats', stats: { ...stats }, tap });
      break;
    case 'tap':
      tap = { sentPlaintext: [], received: [] };
      break;
  }
};

async function seal(
  frame: RTCEncodedVideoFrame | RTCEncodedAudioFrame,
  kind: 'audio' | 'video',
): Promise<boolean> {
  if (sendMode === 'clear') {
    stats.passed++;
    return true;
  }
  const epoch = sendEpoch;
  if (sendMode === 'hold' || !epoch) {
    stats.dropped++;
    return false;
  }
  const data = new Uint8Array(frame.data);
  // Empty frames carry nothing to protect.
  if (data.length === 0) return true;
  if (tap && kind === 'video' && data.length > 64 && tap.sentPlaintext.length < TAP_LIMIT)
    tap.sentPlaintext.push(hex(data.subarray(32, 56)));
  const kid = keyId(epoch.leaf, epoch.epoch);
  const ctr = counters.get(kid) ?? 0;
  counters.set(kid, ctr + 1);
  const sealed = await encryptFrame(data, clearPrefixLength(kind, data), await keyFor(epoch, kid), kid, ctr);
  frame.data = sealed.buffer as ArrayBuffer;
  stats.encrypted++;
  return true;
}

async function open(frame: RTCEncodedVideoFrame | RTCEncodedAudioFrame): Promise<boolean> {
  const data = new Uint8Array(frame.data);
  // Frames sent before everyone switched may still be on their way in the first moments.
  if (
    tap &&
    receiveMode === 'strict' &&
    Date.now() - strictSince > 1000 &&
    data.length > 64 &&
    tap.received.length < TAP_LIMIT
  )
    tap.received.push(hex(data));
  if (receiveMode === 'clear' || data.length === 0) {
    stats.passed++;
    return true;
  }
  if (looksEncrypted(data)) {
    const opened = await decryptFrame(data, (kid) => {
      const epoch = epochs.get(kid % 2 ** EPOCH_BITS);
      return epoch ? keyFor(epoch, kid) : null;
    });
    if (opened) {
      frame.data = opened.frame.buffer as ArrayBuffer;
      stats.decrypted++;
      return true;
    }
  }
  // Never give the decoder a frame we could not open, unless plaintext is still allowed.
  if (receiveMode === 'mixed') {
    stats.passed++;
    return true;
  }
  stats.dropped++;
  return false;
}

function attach(transformer: RTCRtpScriptTransformer): void {
  const options = transformer.options as TransformOptions;
  let waiting = false;
  let lastKeyframeRequest = 0;
  const setWaiting = (value: boolean) => {
    if (waiting === value) return;
    waiting = value;
    post({ type: 'receiver', id: options.id, waiting });
  };
  const transform = new TransformStream<RTCEncodedVideoFrame | RTCEncodedAudioFrame>({
    async transform(frame, controller) {
      if (options.direction === 'send') {
        if (await seal(frame, options.kind)) controller.enqueue(frame);
        return;
      }
      const passed = await open(frame);
      if (passed) {
        // Decoding resumes best from a keyframe after frames were dropped.
        if (
          waiting &&
          options.kind === 'video' &&
          Date.now() - lastKeyframeRequest > KEYFRAME_REQUEST_INTERVAL_MS
        ) {
          lastKeyframeRequest = Date.now();
          transformer.sendKeyFrameRequest?.().catch(() => undefined);
        }
        setWaiting(false);
        controller.enqueue(frame);
      } else {
        setWaiting(true);
      }
    },
  });
  transformer.readable
    .pipeThrough(transform)
    .pipeTo(transformer.writable)
    .catch(() => undefined);
}

scope.onrtctransform = (event: RTCTransformEvent) => attach(event.transformer);

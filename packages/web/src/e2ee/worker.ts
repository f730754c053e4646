/// <reference lib="webworker" />
import { FrameGate } from './frame-gate';
import type { FrameSource } from './sframe';
import type { FromWorker, ToWorker, TransformOptions } from './worker-messages';
import { WorkerTap } from './worker-tap';

/**
 * The frame transform worker: every RTCRtpScriptTransform of the page runs here. What may pass is
 * decided by the FrameGate (frame-gate.ts); this file wires it to the transforms and the page.
 */

/** At most one keyframe request per receiver this often. */
const KEYFRAME_REQUEST_INTERVAL_MS = 1000;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const gate = new FrameGate();
/** The browser tests' frame tap: only in the test build (`--mode e2e-test`); production drops it. */
const tap = import.meta.env.MODE === 'e2e-test' ? new WorkerTap() : null;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'epoch':
      gate.installEpoch(message.epoch, message.baseKey, message.leaf, message.roster);
      break;
    case 'send-epoch':
      gate.useSendEpoch(message.epoch);
      break;
    case 'mode':
      gate.setMode(message.send, message.receive);
      break;
    case 'reset':
      gate.reset();
      break;
    case 'off-confirmed':
      gate.offConfirmed();
      break;
    case 'bind':
      gate.bind(message.id, { participantId: message.participantId, source: message.source });
      break;
    case 'unbind':
      gate.bind(message.id, null);
      break;
    case 'stats':
      post({
        type: 'stats',
        stats: { ...gate.stats, drops: { ...gate.stats.drops } },
        tap: tap?.snapshot() ?? null,
      });
      break;
    case 'tap':
      tap?.start();
      break;
  }
};

function attach(transformer: RTCRtpScriptTransformer): void {
  const options = transformer.options as TransformOptions;
  // A sender without a source (never so in Parley) seals as camera/mic by kind.
  const source: FrameSource = options.source ?? (options.kind === 'audio' ? 'mic' : 'camera');
  let waiting = false;
  /** Video frames were dropped: the decoder needs a key frame, asked for until one passes. */
  let needKeyframe = false;
  let lastKeyframeRequest = 0;
  const setWaiting = (value: boolean) => {
    if (waiting === value) return;
    waiting = value;
    post({ type: 'receiver', id: options.id, waiting });
  };
  const transform = new TransformStream<RTCEncodedVideoFrame | RTCEncodedAudioFrame>({
    async transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      if (options.direction === 'send') {
        if (tap && options.kind === 'video' && gate.modes.send === 'encrypt') tap.sealing(data);
        const sealed = await gate.seal(data, options.kind, source);
        if (!sealed) return;
        if (sealed !== data) frame.data = sealed.buffer as ArrayBuffer;
        controller.enqueue(frame);
        return;
      }
      if (tap && options.kind === 'video') tap.arrived(data, gate.modes.receive === 'strict');
      const opened = await gate.open(data, options.id);
      if (!opened) {
        setWaiting(true);
        if (options.kind === 'video') needKeyframe = true;
        return;
      }
      if (opened !== data) frame.data = opened.buffer as ArrayBuffer;
      // Decoding resumes only from a key frame after frames were dropped. One request can be lost (the
      // SFU passes a few per subscriber, and a key frame sent before this receiver had the key is
      // dropped here), so ask again each interval until a key frame passes.
      if (needKeyframe) {
        if (isKeyframe(frame, opened)) needKeyframe = false;
        else if (Date.now() - lastKeyframeRequest > KEYFRAME_REQUEST_INTERVAL_MS) {
          lastKeyframeRequest = Date.now();
          transformer.sendKeyFrameRequest?.().catch(() => undefined);
        }
      }
      setWaiting(false);
      controller.enqueue(frame);
    },
  });
  transformer.readable
    .pipeThrough(transform)
    .pipeTo(transformer.writable)
    .catch(() => undefined);
}

/** A video key frame: the browser says so where it can, else the VP8 frame tag's P bit is 0. */
function isKeyframe(frame: RTCEncodedVideoFrame | RTCEncodedAudioFrame, data: Uint8Array): boolean {
  if ('type' in frame && (frame.type === 'key' || frame.type === 'delta')) return frame.type === 'key';
  return data.length > 0 && (data[0]! & 0x01) === 0;
}

scope.onrtctransform = (event: RTCTransformEvent) => attach(event.transformer);

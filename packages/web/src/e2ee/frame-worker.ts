import type { FrameSource } from './sframe';
import type { FromWorker, ToWorker } from './worker-messages';

interface ScriptTransformConstructor {
  new (worker: Worker, options?: unknown): unknown;
}

/** The browser's RTCRtpScriptTransform, or null where frames cannot be encrypted. */
export function scriptTransform(): ScriptTransformConstructor | null {
  const candidate = (globalThis as { RTCRtpScriptTransform?: ScriptTransformConstructor })
    .RTCRtpScriptTransform;
  return typeof candidate === 'function' ? candidate : null;
}

/**
 * A frame-transform worker started ahead of joining (on the pre-join screen). Every sender and
 * receiver passes its frames through the worker from the start, so a worker still loading when the
 * first frames arrive would delay the first picture.
 */
let warmWorker: Worker | null = null;

function startWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'parley-e2ee' });
}

/** Starts the worker now so that joining does not wait for it (no-op where E2EE is unsupported). */
export function prewarmE2eeWorker(): void {
  if (!warmWorker && scriptTransform() !== null) warmWorker = startWorker();
}

function takeWorker(): Worker {
  const worker = warmWorker ?? startWorker();
  warmWorker = null;
  return worker;
}

/**
 * The frame-transform worker and the transforms on every sender and receiver: frames pass through
 * it from the start (in the clear until there are keys). It tells which remote tracks wait for keys.
 */
export class FrameWorker {
  private worker: Worker | null;
  private readonly receiverTracks = new Map<string, string>();
  /** Each receiver's transform id, and whom its frames must come from as last told to the worker. */
  private readonly receiverIds = new WeakMap<RTCRtpReceiver, string>();
  private readonly receiverOwners = new Map<string, string>();
  private nextTransformId = 0;

  /** `waiting`: a remote track (by id) waits for keys, or no longer. */
  constructor(private readonly waiting: (trackId: string, waiting: boolean) => void) {
    this.worker = scriptTransform() !== null ? takeWorker() : null;
    this.worker?.addEventListener('message', (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type !== 'receiver') return;
      const trackId = this.receiverTracks.get(message.id);
      if (trackId) this.waiting(trackId, message.waiting);
    });
  }

  post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  /** Attach the (pass-through) frame transform to a new sender; call right after creating it. */
  attachSender(sender: RTCRtpSender, kind: 'audio' | 'video', source: FrameSource): void {
    const Transform = scriptTransform();
    if (!Transform || !this.worker) return;
    (sender as { transform?: unknown }).transform = new Transform(this.worker, {
      direction: 'send',
      kind,
      source,
      id: `s${this.nextTransformId++}`,
    });
  }

  /** Attach the frame transform to a new receiver; call as soon as it exists. */
  attachReceiver(receiver: RTCRtpReceiver): void {
    const Transform = scriptTransform();
    if (!Transform || !this.worker || (receiver as { transform?: unknown }).transform) return;
    const id = `r${this.nextTransformId++}`;
    this.receiverTracks.set(id, receiver.track.id);
    this.receiverIds.set(receiver, id);
    (receiver as { transform?: unknown }).transform = new Transform(this.worker, {
      direction: 'receive',
      kind: receiver.track.kind,
      id,
    });
  }

  /**
   * Whose frames a receiver carries now (the subscribe offer's m-line list), or null for nobody. The
   * worker drops frames whose key id is not that participant's leaf or that were sealed for another source.
   */
  receiverRouted(
    receiver: RTCRtpReceiver,
    owner: { participantId: string; source: FrameSource } | null,
  ): void {
    const id = this.receiverIds.get(receiver);
    if (!id) return;
    const key = owner ? `${owner.participantId}/${owner.source}` : '';
    if ((this.receiverOwners.get(id) ?? '') === key) return;
    this.receiverOwners.set(id, key);
    this.post(owner ? { type: 'bind', id, ...owner } : { type: 'unbind', id });
  }

  /** Asks the worker for its frame counters (tests and the bench). */
  frameStats(): Promise<unknown> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    return new Promise((resolve) => {
      const listener = (event: MessageEvent<FromWorker>) => {
        if (event.data.type !== 'stats') return;
        worker.removeEventListener('message', listener);
        resolve({ ...event.data.stats, tap: event.data.tap });
      };
      worker.addEventListener('message', listener);
      this.post({ type: 'stats' });
    });
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
  }
}

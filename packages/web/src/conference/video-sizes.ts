import type { TrackSource } from '@parley/protocol';
import type { Requester } from './signaling';

/** Wait this long after the last change before telling the server (resizing sends many). */
export const VIDEO_SIZE_DEBOUNCE_MS = 300;

/**
 * Tells the SFU at which size each remote video is shown (`video-size`), so it forwards the smallest
 * simulcast layer that still looks sharp. Debounced per video; an unchanged size is not sent again.
 */
export class VideoSizes {
  private readonly sent = new Map<string, string>();
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly request: Requester,
    private readonly debounceMs = VIDEO_SIZE_DEBOUNCE_MS,
  ) {}

  /** The video of `participantId`'s `source` is now shown at width × height CSS pixels (0 × 0: hidden). */
  report(participantId: string, source: TrackSource, width: number, height: number): void {
    const key = `${participantId}/${source}`;
    const scale = typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
    const size = { width: Math.round(width * scale), height: Math.round(height * scale) };
    const timer = this.pending.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        const value = `${size.width}x${size.height}`;
        if (this.sent.get(key) === value) return;
        this.sent.set(key, value);
        this.request('video-size', { participantId, source, ...size }).catch(() => {
          // Old servers or a closing connection: the SFU keeps its default layer.
          this.sent.delete(key);
        });
      }, this.debounceMs),
    );
  }

  /** Someone left: forget what was sent for them. */
  forget(participantId: string): void {
    for (const key of [...this.sent.keys()]) if (key.startsWith(`${participantId}/`)) this.sent.delete(key);
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

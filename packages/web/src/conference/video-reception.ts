import type { VideoReceptionMode } from '@parley/protocol';
import { lowData, receptionMode } from './low-data';
import type { Requester } from './signaling';

/**
 * Tells the SFU how much of the others' video to forward to us (`video-reception`) whenever the
 * low-data settings change during the meeting. The server starts every media session at `full`, so
 * after joining, reconnecting or a media restart the choice is sent again (before subscribing, so that
 * no video is forwarded in audio-only even for a moment).
 */
export class VideoReception {
  /** What the server applies now, as far as we know (null: unknown, send again). */
  private applied: VideoReceptionMode | null = 'full';
  private readonly unsubscribe: () => void;

  constructor(
    private readonly request: Requester,
    /** Whether there is a media session on the server to tell. */
    private readonly active: () => boolean,
  ) {
    this.unsubscribe = lowData.subscribe(() => {
      if (this.active()) this.sync();
    });
  }

  /** A new media session on the server (it forwards everything until told otherwise). */
  started(): void {
    this.applied = 'full';
    this.sync();
  }

  private sync(): void {
    const mode = receptionMode(lowData.get());
    if (mode === this.applied) return;
    this.applied = mode;
    this.request('video-reception', { mode }).catch(() => {
      // Disconnected meanwhile: the next media session sends it again.
      if (this.applied === mode) this.applied = null;
    });
  }

  dispose(): void {
    this.unsubscribe();
  }
}

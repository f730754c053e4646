import type { VideoReceptionMode } from '../api/types.js';
import type { Publisher } from './publisher.js';
import type { Subscriber } from './subscriber.js';

/**
 * A participant as the media plane sees it (the server's meeting Participant is another thing): at most
 * one publish and one subscribe connection.
 */
export class Peer {
  publisher: Publisher | null = null;
  subscriber: Subscriber | null = null;
  /** A moderator muted this participant: their audio is held (not forwarded), even if republished. */
  audioHeld = false;
  /** How much of the others' video this participant wants (low-data mode), for subscriptions to come. */
  videoReception: VideoReceptionMode = 'full';

  constructor(readonly id: string) {}

  get peerConnections(): number {
    return (this.publisher?.hasConnection ? 1 : 0) + (this.subscriber?.hasConnection ? 1 : 0);
  }

  close(): void {
    // Subscriber first: nothing needs to be renegotiated towards someone who is leaving.
    this.subscriber?.close();
    this.publisher?.close();
  }
}

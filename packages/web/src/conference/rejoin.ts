import type { ClientMessage } from '@parley/protocol';
import { t } from '../i18n';
import type { MeetingFeatures } from './meeting-features';
import type { MeetingScreen } from './meeting-state';
import { RECONNECT_ATTEMPT_TIMEOUT_MS, RECONNECT_GIVE_UP_MS, reconnectDelay } from './reconnection';
import { SignalingClient, SignalingError } from './signaling';

/** A failed media connection is recovered from by reconnecting at most this often. */
const MEDIA_RECOVERY_INTERVAL_MS = 60_000;

/** What getting back in needs of the meeting. */
export interface RejoinHost {
  screen: MeetingScreen;
  features: MeetingFeatures;
  /** The room we are in now (the meeting's own, or a breakout room). */
  currentRoom(): string;
  signaling(): SignalingClient | null;
  /** Take this connection into use: listen to it, prepare the media connections on it. */
  use(signaling: SignalingClient): void;
  /** The `join` that comes back: who we are, with the move grant (used up) or the resume token. */
  comeBackRequest(): Omit<Extract<ClientMessage, { type: 'join' }>, 'type' | 'id'>;
  hasResumeToken(): boolean;
  /** Closes the signaling and both media connections. */
  dropConnections(): void;
}

/**
 * Getting back into the meeting on our own: after a dropped connection, a failed media connection,
 * or to move to a breakout room and back (reconnection.ts has the timings).
 */
export class Rejoin {
  /** True while getting back in. */
  private running = false;
  /** When a failed media connection was last recovered from by reconnecting (epoch ms). */
  private lastMediaRecovery = 0;

  constructor(private readonly host: RejoinHost) {}

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * The connection dropped while we were in the meeting: get back in on our own. Both media
   * connections close at once; then, backing off (reconnection.ts), a new socket sends `join` with
   * the resume token — straight back in with our role, no password or lobby — and our current
   * microphone, camera and screen are published again. Chat stays on screen; a raised hand is raised
   * again. After RECONNECT_GIVE_UP_MS (or a refusal) the person is offered "Rejoin".
   */
  async reconnect(moving = false): Promise<void> {
    if (this.running || this.host.screen.phase() !== 'joined') return;
    this.running = true;
    const handRaised = this.host.features.life.handRaised && !moving;
    // The banner this shows is a live region of its own: screen readers hear it without an announcement.
    this.host.screen.patch({
      connection: 'reconnecting',
      remoteTracks: new Map(),
      unplayableVideo: new Map(),
      pausedVideo: new Map(),
    });
    this.host.dropConnections();
    if (moving) this.host.features.e2ee.moved(this.host.currentRoom());
    else this.host.features.e2ee.rejoin();
    const started = Date.now();
    let outcome: 'joined' | 'retry' | 'refused' | 'left' = 'retry';
    for (let attempt = 0; outcome === 'retry'; attempt++) {
      // A move goes at once; a dropped connection backs off.
      const delay = moving && attempt === 0 ? 0 : reconnectDelay(attempt);
      if (Date.now() - started + delay > RECONNECT_GIVE_UP_MS) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
      outcome = this.host.screen.phase() === 'joined' ? await this.rejoinOnce() : 'left';
    }
    this.running = false;
    if (outcome === 'left' || this.host.screen.phase() !== 'joined') return;
    if (outcome !== 'joined') {
      this.host.dropConnections();
      this.host.screen.patch({ connection: 'signaling-lost' });
      return;
    }
    // Dropped again at once (while this attempt was wrapping up): start over.
    if (!this.host.signaling()?.isOpen) {
      void this.reconnect();
      return;
    }
    this.host.screen.patch({ connection: 'ok' });
    const here = this.host.features.breakouts.state.get().here;
    this.host.screen.announce(
      moving
        ? here
          ? t('breakout.movedTo', { name: here.name })
          : t('breakout.movedBack')
        : t('meeting.reconnected'),
    );
    if (handRaised) this.host.features.life.setHand(true).catch(() => undefined);
  }

  /** One attempt to get back in: a new socket, `join` with the resume token. */
  private async rejoinOnce(): Promise<'joined' | 'retry' | 'refused' | 'left'> {
    let signaling: SignalingClient;
    try {
      signaling = await SignalingClient.connect(undefined, RECONNECT_ATTEMPT_TIMEOUT_MS);
    } catch {
      return 'retry';
    }
    if (this.host.screen.phase() !== 'joined') {
      signaling.close();
      return 'left';
    }
    this.host.use(signaling);
    try {
      const { status } = await signaling.request('join', this.host.comeBackRequest());
      // The `joined` event came before this answer; anything else means the door is shut for us.
      if (status === 'joined' && this.host.signaling() === signaling) return 'joined';
      // Everyone had left (or the server restarted): the meeting waits for a moderator to reopen it,
      // and we come back in with them.
      if (
        status === 'waiting-for-host' &&
        this.host.signaling() === signaling &&
        (await this.admittedLater(signaling))
      )
        return 'joined';
      if (this.host.signaling() === signaling) this.host.dropConnections();
      return 'refused';
    } catch (error) {
      if (this.host.signaling() === signaling) this.host.dropConnections();
      const code = error instanceof SignalingError ? error.code : 'internal';
      return code === 'disconnected' || code === 'internal' || code === 'rate-limited' ? 'retry' : 'refused';
    }
  }

  /** Resolves true once `joined` arrives on this socket, false if it closes or too long passes first. */
  private admittedLater(signaling: SignalingClient): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (admitted: boolean) => {
        offJoined();
        offClose();
        clearTimeout(timer);
        resolve(admitted);
      };
      const offJoined = signaling.on('joined', () => done(true));
      const offClose = signaling.onClose(() => done(false));
      const timer = setTimeout(() => done(false), RECONNECT_GIVE_UP_MS);
    });
  }

  /**
   * A media connection failed here (ICE or DTLS, or a negotiation): come back in through a new
   * connection, as after a dropped socket — once a minute at most, so a network that keeps failing
   * (UDP blocked midway) ends with the banner instead of a loop.
   */
  mediaLost(): void {
    if (this.host.screen.phase() !== 'joined' || this.host.screen.current.connection !== 'ok') return;
    const now = Date.now();
    if (this.host.hasResumeToken() && now - this.lastMediaRecovery > MEDIA_RECOVERY_INTERVAL_MS) {
      this.lastMediaRecovery = now;
      void this.reconnect();
      return;
    }
    this.host.screen.patch({ connection: 'media-lost' });
  }
}

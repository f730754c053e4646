import { MediaBot, type MediaBotOptions } from '@parley/media-bot';
import { type MediaPlaneOptions, Sfu } from '@parley/sfu';
import pino from 'pino';

/**
 * An SFU on a random high UDP port with bots connected to it in-process: each bot's signaling calls go
 * straight to the media plane, and `subscriber-offer` events go straight to the bot.
 */
export class MediaHarness {
  /** The SFU (createMediaPlane's implementation), with its extra counters. */
  readonly plane: Sfu;
  private readonly bots = new Map<string, MediaBot>();
  /** Errors raised while a bot handled an offer (tests assert this stays empty). */
  readonly errors: Error[] = [];
  /**
   * The plane's log records at level error and above (JSON lines), whatever the log level: an exception
   * on the forwarding path is caught and logged there (`guarded`), so tests assert this stays empty.
   */
  readonly errorLogs: string[] = [];

  constructor(
    logLevel = process.env.MEDIA_TEST_LOG ?? 'silent',
    /** Plane options beyond the address and port (lastN, audibleSpeakers). */
    options: Partial<MediaPlaneOptions> = {},
  ) {
    this.plane = MediaHarness.startPlane(logLevel, options, this.errorLogs);
    this.plane.on('subscriber-offer', ({ participantId, sdp, tracks }) => {
      const bot = this.bots.get(participantId);
      bot?.handleSubscriberOffer(sdp, tracks).catch((error: Error) => this.errors.push(error));
    });
    // The publisher's side of pauseUnusedLayers, as the server passes it on to the browser.
    this.plane.on('simulcast-layers', ({ participantId, source, active }) => {
      this.bots.get(participantId)?.setActiveLayers(source, active);
    });
  }

  /** An SFU on a random high port; another one is tried when it is taken (the plane binds it at once). */
  private static startPlane(logLevel: string, options: Partial<MediaPlaneOptions>, errorLogs: string[]): Sfu {
    const shown = logLevel === 'silent' ? Number.POSITIVE_INFINITY : pino.levels.values[logLevel]!;
    const destination = {
      write(line: string): void {
        const level = (JSON.parse(line) as { level: number }).level;
        if (level >= pino.levels.values.error!) errorLogs.push(line);
        if (level >= shown) process.stdout.write(line);
      },
    };
    const logger = pino({ level: logLevel === 'silent' ? 'error' : logLevel }, destination);
    for (let attempt = 1; ; attempt++) {
      const rtcPort = 41000 + Math.floor(Math.random() * 20000);
      try {
        return new Sfu({ ...options, publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort }, logger);
      } catch (error) {
        if (attempt === 5) throw error;
      }
    }
  }

  /** Add a participant to the room and connect a bot for it (subscribing first, like the web app). */
  async join(
    roomId: string,
    participantId: string,
    publish: { audio: boolean; video: boolean } | null = { audio: true, video: true },
    options: MediaBotOptions = {},
  ): Promise<MediaBot> {
    this.plane.addParticipant(roomId, participantId);
    const bot = new MediaBot(
      {
        publish: (sdp, tracks) => this.plane.publish(roomId, participantId, sdp, tracks),
        subscribe: (sdp) => this.plane.subscribe(roomId, participantId, sdp),
        subscriberAnswer: (sdp) => this.plane.subscriberAnswer(roomId, participantId, sdp),
      },
      options,
    );
    this.bots.set(participantId, bot);
    await bot.startSubscribing();
    if (publish) await bot.startPublishing(publish);
    return bot;
  }

  async leave(roomId: string, participantId: string): Promise<void> {
    const bot = this.bots.get(participantId);
    this.bots.delete(participantId);
    this.plane.removeParticipant(roomId, participantId);
    await bot?.close();
  }

  async close(): Promise<void> {
    for (const bot of this.bots.values()) await bot.close();
    this.bots.clear();
    await this.plane.close();
  }
}

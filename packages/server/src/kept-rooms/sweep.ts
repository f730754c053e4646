import type { Logger } from '../logger.js';
import type { KeptRoomStore } from './kept-room-store.js';

/** How often the kept rooms nobody opened for too long are looked for. */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes the kept rooms nobody opened for `days` days (PARLEY_KEPT_ROOM_DAYS): once at start and
 * then hourly. Logs only how many went, never a name.
 */
export class KeptRoomSweep {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly store: Pick<KeptRoomStore, 'sweep'>,
    private readonly days: number,
    private readonly logger: Logger,
    intervalMs = SWEEP_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
    void this.run();
  }

  /** One sweep after the one running (if any); resolves with how many kept rooms were deleted. */
  run(): Promise<number> {
    this.running = this.running.then(() => this.sweepOnce());
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    try {
      const deleted = await this.store.sweep(this.days);
      if (deleted > 0) this.logger.info({ deleted }, 'kept rooms nobody opened for too long deleted');
      return deleted;
    } catch (error) {
      this.logger.warn({ err: error }, 'kept room sweep failed');
      return 0;
    }
  }

  /** Stops sweeping; resolves once a sweep under way has finished (before the database closes). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

import type { Logger } from '../logger.js';

/** At most one warning per this many milliseconds; the others go to debug and are counted. */
const WARN_INTERVAL_MS = 60_000;

/**
 * Logs errors of established signaling sockets — malformed frames (bad UTF-8, reserved bits, a
 * message over the size cap) and unclean disconnects. These are the client's doing, so a flood of
 * them must not flood the log: one `warn` line a minute at most, carrying the error code and how many
 * were seen since the last warning, never the frame's content or a stack trace.
 */
export class SocketErrorLog {
  private lastWarn = Number.NEGATIVE_INFINITY;
  private unreported = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  record(error: unknown): void {
    const code = codeOf(error);
    this.unreported++;
    const now = this.now();
    if (now - this.lastWarn < WARN_INTERVAL_MS) {
      this.logger.debug({ code }, 'signaling socket error');
      return;
    }
    this.logger.warn(
      { code, count: this.unreported },
      'signaling socket errors (malformed frames or unclean disconnects)',
    );
    this.lastWarn = now;
    this.unreported = 0;
  }
}

/** ws's error code (`WS_ERR_INVALID_UTF8`, …) or Node's (`ECONNRESET`); never the message. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length <= 64 ? code : 'unknown';
}

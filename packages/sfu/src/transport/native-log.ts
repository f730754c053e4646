import ndc from 'node-datachannel';
import type { Logger } from '../api/logger.js';

/** libdatachannel lines written per second at most, after a burst of BURST (token bucket). */
export const NATIVE_LOG_LINES_PER_SECOND = 20;
const BURST = 50;
/** Longer lines are cut: a native message is never a reason to hold much memory. */
const MAX_LINE_CHARS = 500;
const SUMMARY_INTERVAL_MS = 1000;

type Level = 'error' | 'warn' | 'debug';

/**
 * Bounds what libdatachannel's log costs this thread. A native thread in a loop (issue #13: one line
 * per turn) must not turn into unbounded logging: identical consecutive lines are collapsed into a
 * count, at most NATIVE_LOG_LINES_PER_SECOND lines (after a short burst) are written, and what was held
 * back is reported once a second as one line with counts. It keeps only counters and the last line.
 * (node-datachannel queues each native line for this thread without bound; keeping this handler cheap
 * lets the thread drain that queue, and the media worker watchdog covers the rest.)
 */
export class NativeLogGate {
  private tokens = BURST;
  private refilledAt: number;
  private last = '';
  private repeats = 0;
  private dropped = 0;

  constructor(
    private readonly write: (level: Level, message: string, fields?: Record<string, number>) => void,
    private readonly now: () => number = Date.now,
    private readonly ratePerSecond = NATIVE_LOG_LINES_PER_SECOND,
  ) {
    this.refilledAt = now();
  }

  line(level: Level, message: string): void {
    const text = message.length > MAX_LINE_CHARS ? `${message.slice(0, MAX_LINE_CHARS)}…` : message;
    if (text === this.last) {
      this.repeats++;
      return;
    }
    if (!this.take()) {
      this.dropped++;
      return;
    }
    this.flush();
    this.last = text;
    this.write(level, text);
  }

  /** Report what was held back since the last report (called once a second, and before a new line). */
  flush(): void {
    if (this.repeats === 0 && this.dropped === 0) return;
    this.write('warn', 'libdatachannel log lines held back', {
      repeatsOfLastLine: this.repeats,
      otherLinesDropped: this.dropped,
    });
    this.repeats = 0;
    this.dropped = 0;
  }

  private take(): boolean {
    const now = this.now();
    this.tokens = Math.min(BURST, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

let summaryTimer: NodeJS.Timeout | null = null;

/**
 * Route libdatachannel's log lines into pino, through a NativeLogGate. The native logger is
 * process-wide (per addon copy, so per media worker), so the last media plane created owns it.
 * libdatachannel's Info lines name ICE candidates (IP addresses): they are only kept at debug level,
 * and anything logged above debug has addresses replaced (privacy rule).
 */
export function installNativeLogger(logger: Logger): void {
  const native = logger.child({ module: 'libdatachannel' });
  const verbose = native.isLevelEnabled('debug');
  const gate = new NativeLogGate((level, message, fields) => {
    if (level === 'debug') native.debug(fields ?? {}, message);
    else native[level](fields ?? {}, redactAddresses(message));
  });
  if (summaryTimer) clearInterval(summaryTimer);
  summaryTimer = setInterval(() => gate.flush(), SUMMARY_INTERVAL_MS);
  summaryTimer.unref();
  ndc.initLogger(verbose ? 'Debug' : 'Warning', (level, message) => {
    switch (level) {
      case 'Fatal':
      case 'Error':
        gate.line('error', message);
        break;
      case 'Warning':
        gate.line('warn', message);
        break;
      default:
        gate.line('debug', message);
    }
  });
}

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g;
/**
 * A run of hex digits and at least two colons standing alone (IPv6, with or without brackets and
 * port), but not C++ scopes like `rtc::impl::IceTransport` that libdatachannel's messages start with.
 */
const IPV6 = /(?<![\w:])\[?[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*\]?(?::\d+)?(?![\w:])/gi;

/** Replace IPv4 and IPv6 addresses (and ports attached to them) in a log message. */
export function redactAddresses(message: string): string {
  return message.replace(IPV6, '[address]').replace(IPV4, '[address]');
}

/**
 * What the SFU needs of a logger: levels with a fields object first (pino's calling convention, so a
 * pino logger fits as it is) and child loggers. Privacy: the SFU logs ids, counts and codes only,
 * never a name or an address; a host's logger may redact again.
 */
export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  /** The lowest level written (`trace` … `fatal`, or `silent`): media workers log at the same. */
  readonly level: string;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: string): boolean;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
}

/** pino's numeric levels, which the JSON lines of a media worker carry (worker/json-logger.ts). */
export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;

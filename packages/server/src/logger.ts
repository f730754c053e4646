import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS, scrubAddresses } from './privacy/log-redaction.js';

/**
 * The one logger. Privacy rule: no room name, display name, username, chat text, IP address, user
 * agent or token ever goes into a log line, at any level. Pass ids and counts only; the redact list
 * and the address scrubbing of every written line are second nets (privacy/log-redaction.ts).
 * `destination` defaults to standard output; tests pass a stream to read what was logged.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    hooks: { streamWrite: scrubAddresses },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
export type { Logger };

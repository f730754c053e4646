import pino, { type Logger } from 'pino';

/**
 * The one logger. Privacy rule: no room name, display name, chat text, IP address, user agent or
 * token ever goes into a log line. Pass ids and counts only; the redact list is a second net.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'req.headers',
        'req.remoteAddress',
        'req.ip',
        'req.url',
        'room',
        'roomName',
        'displayName',
        'username',
        'password',
        'token',
        'ip',
      ],
      censor: '[redacted]',
    },
  });
}
export type { Logger };

import { LOG_LEVELS, type Logger, type LogLevel } from './logger.js';

/**
 * A Logger that writes one JSON object per line, shaped like pino's records (`level` as a number,
 * `time`, the bindings and fields, `msg`), for hosts without a logger of their own and for media
 * workers, whose lines the pool hands to the main thread's logger (worker/worker-slot.ts). Lines below
 * `level` are not even formatted; `silent` writes nothing.
 */
export function createJsonLogger(level: string, write: (line: string) => void): Logger {
  const threshold = level in LOG_LEVELS ? LOG_LEVELS[level as LogLevel] : Number.POSITIVE_INFINITY;
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (name: LogLevel) =>
      (first: object | string, message?: string): void => {
        const value = LOG_LEVELS[name];
        if (value < threshold) return;
        const fields = typeof first === 'string' ? {} : serializeErrors(first);
        const msg = typeof first === 'string' ? first : message;
        write(`${JSON.stringify({ level: value, time: Date.now(), ...bindings, ...fields, msg })}\n`);
      };
    return {
      level,
      child: (more) => make({ ...bindings, ...more }),
      isLevelEnabled: (name) => name in LOG_LEVELS && LOG_LEVELS[name as LogLevel] >= threshold,
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      fatal: at('fatal'),
    };
  };
  return make({});
}

/** Errors as pino's err serializer writes them (type, message, stack), since JSON drops their fields. */
function serializeErrors(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}

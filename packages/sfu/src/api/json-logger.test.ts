import { describe, expect, it } from 'vitest';
import { createJsonLogger } from './json-logger.js';

/** What a media worker hands to the pool: one JSON record per line, shaped like pino's. */
function capture(level: string) {
  const lines: string[] = [];
  const logger = createJsonLogger(level, (line) => lines.push(line));
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('createJsonLogger', () => {
  it('writes pino-shaped records (numeric level, msg, fields, child bindings), one per line', () => {
    const { logger, lines, records } = capture('info');
    logger.child({ module: 'media' }).child({ worker: 1 }).warn({ roomId: 'r1' }, 'media: command failed');
    logger.info('media: plane started');
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(records()).toEqual([
      expect.objectContaining({
        level: 40,
        module: 'media',
        worker: 1,
        roomId: 'r1',
        msg: 'media: command failed',
      }),
      expect.objectContaining({ level: 30, msg: 'media: plane started' }),
    ]);
    expect(typeof records()[0]!.time).toBe('number');
  });

  it('honours the level it was given: nothing below it is written, silent writes nothing', () => {
    const info = capture('info');
    info.logger.debug({ a: 1 }, 'dropped');
    info.logger.trace('dropped');
    info.logger.error('kept');
    expect(info.records().map((record) => record.msg)).toEqual(['kept']);
    expect(info.logger.isLevelEnabled('debug')).toBe(false);
    expect(info.logger.isLevelEnabled('warn')).toBe(true);
    const silent = capture('silent');
    silent.logger.fatal('nothing');
    expect(silent.lines).toEqual([]);
  });

  it('writes an error as pino does (type, message, stack), not as an empty object', () => {
    const { logger, records } = capture('error');
    logger.error({ err: new TypeError('bad packet') }, 'media: speaker update failed');
    expect(records()[0]!.err).toEqual(
      expect.objectContaining({
        type: 'TypeError',
        message: 'bad packet',
        stack: expect.stringContaining('bad packet'),
      }),
    );
  });
});

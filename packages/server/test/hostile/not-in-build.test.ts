import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const server = path.resolve(import.meta.dirname, '../..');
const MARKER = 'PARLEY_HOSTILE_CONTROL_PORT';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

/** The hostile-server test mode is a test tool, never something an operator could switch on. */
describe('the hostile delivery service stays out of the build', () => {
  it('is outside what `tsc -b` (and so `npm start`) compiles, and nothing there imports it', () => {
    const tsconfig = JSON.parse(readFileSync(path.join(server, 'tsconfig.json'), 'utf8')) as {
      include: string[];
    };
    expect(tsconfig.include).toEqual(['src']);
    // Code only: a README may point readers to the test tools.
    for (const file of files(path.join(server, 'src')).filter((name) => /\.[cm]?[jt]s$/.test(name))) {
      const text = readFileSync(file, 'utf8');
      expect(text.includes('test/hostile'), file).toBe(false);
      expect(text.includes(MARKER), file).toBe(false);
    }
  });

  it('is not in the built server', () => {
    const dist = path.join(server, 'dist');
    if (!existsSync(dist)) return;
    for (const file of files(dist)) expect(readFileSync(file, 'utf8').includes(MARKER), file).toBe(false);
  });
});

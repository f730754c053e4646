import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A virtual X display (Debian's `xvfb`): headless Firefox has no screen to capture, a Firefox with a
 * window on this display does. Xvfb picks a free display number itself (`-displayfd`), so test runs
 * side by side never collide.
 */
export interface VirtualDisplay {
  /** The value for DISPLAY, e.g. ":3". */
  display: string;
  stop(): void;
}

export const XVFB = '/usr/bin/Xvfb';

export async function startVirtualDisplay(): Promise<VirtualDisplay> {
  if (!existsSync(XVFB)) throw new Error(`Xvfb not found at ${XVFB}: apt-get install -y xvfb`);
  const child: ChildProcess = spawn(
    XVFB,
    ['-displayfd', '3', '-screen', '0', '1280x720x24', '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
  );
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
  });
  const display = await new Promise<string>((resolve, reject) => {
    let written = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display in 10 s: ${errors}`)), 10_000);
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      written += chunk.toString();
      if (!written.includes('\n')) return;
      clearTimeout(timer);
      resolve(`:${written.trim()}`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb ended (${code}) before giving a display: ${errors}`));
    });
  });
  return {
    display,
    stop: () => {
      child.kill();
    },
  };
}

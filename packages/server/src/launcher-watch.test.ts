import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopWhenLauncherDies } from './launcher-watch.js';

const watchModule = path.join(import.meta.dirname, 'launcher-watch.ts');

describe('stopWhenLauncherDies', () => {
  it('does nothing outside `npm start`', () => {
    let called = false;
    const stop = stopWhenLauncherDies(() => {
      called = true;
    }, {});
    stop();
    expect(called).toBe(false);
  });

  it('stops the server when the launcher is killed outright', async () => {
    // launcher (like npm) → server; the launcher prints the server's pid, then is SIGKILLed.
    const server = `
      import { stopWhenLauncherDies } from ${JSON.stringify(watchModule)};
      stopWhenLauncherDies(() => process.exit(0));
      console.log('watching');
      setInterval(() => {}, 1000);`;
    const launcher = `
      import { spawn } from 'node:child_process';
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(server)}],
        { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, npm_lifecycle_event: 'start' } });
      console.log(child.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', launcher], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The launcher prints the server's pid, the server "watching" once it watches its parent.
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    while (!output.includes('watching')) await once(parent.stdout, 'data');
    const serverPid = Number(output.split('\n')[0]);
    const alive = () => {
      try {
        process.kill(serverPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive()).toBe(false);
  });
});

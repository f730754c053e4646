import { readFileSync } from 'node:fs';

/** How often the parent process is checked (ms). */
const CHECK_INTERVAL_MS = 1000;

/**
 * Under `npm start` the server is npm's child. When npm is killed outright (SIGKILL), it cannot pass
 * the signal on, and the server would live on unseen, holding its ports. This calls `onOrphaned` once
 * the process's parent changed (the kernel re-parents orphans). Only under npm: a server started by
 * systemd or by hand keeps running whatever happens to the shell that started it.
 * Returns a function that stops watching.
 */
export function stopWhenLauncherDies(
  onOrphaned: () => void,
  env: NodeJS.ProcessEnv = process.env,
): () => void {
  if (env.npm_lifecycle_event !== 'start') return () => {};
  const launcher = currentParent();
  if (launcher === null) return () => {};
  const timer = setInterval(() => {
    if (currentParent() === launcher) return;
    clearInterval(timer);
    onOrphaned();
  }, CHECK_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The parent's pid now. Node's `process.ppid` is read once at start, so it is taken from
 * /proc/self/stat (Linux; field 4, after the command name in parentheses); null elsewhere.
 */
function currentParent(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

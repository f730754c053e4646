// Loaded with `node --import` into the built server by the hostile browser tests only
// (e2e/support/hostile.ts). Media worker threads inherit the flag: they are left alone.
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.PARLEY_HOSTILE_CONTROL_PORT) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./hostile-delivery.ts');
}

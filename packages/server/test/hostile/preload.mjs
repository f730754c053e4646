// Loaded with `node --import` into the built server by the hostile browser tests only
// (e2e/support/hostile.ts). Media worker threads and the admin command line inherit the flag: they
// are left alone.
import { isMainThread } from 'node:worker_threads';

const server = process.argv[1]?.endsWith('main.js') ?? false;
if (isMainThread && server && process.env.PARLEY_HOSTILE_CONTROL_PORT) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./hostile-delivery.ts');
}

#!/usr/bin/env node
// `npm run bench`: runs every benchmark in turn; each prints its figures and writes bench/results/<name>.json.
// Exits non-zero if any failed (after running the rest).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches = [
  'forwarding.ts',
  'transit.ts',
  'capacity.ts',
  'join.ts',
  'e2ee.ts',
  'background.ts',
  'quality.ts',
];
const began = Date.now();
const failed = [];
for (const bench of benches) {
  const file = path.join(import.meta.dirname, bench);
  const start = Date.now();
  console.log(`\n== ${bench}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  console.log(`== ${bench}: ${Math.round((Date.now() - start) / 1000)} s`);
  if (result.status !== 0) failed.push(bench);
}
console.log(`\nall benchmarks: ${Math.round((Date.now() - began) / 1000)} s`);
// One benchmark failing (e.g. a browser timing out on a loaded machine) does not stop the others.
if (failed.length > 0) {
  console.log(`failed: ${failed.join(', ')}`);
  process.exit(1);
}

#!/usr/bin/env node
// `npm run bench`: runs every benchmark in turn; each prints its figures and writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches = ['forwarding.ts', 'join.ts', 'e2ee.ts'];
for (const bench of benches) {
  const file = path.join(import.meta.dirname, bench);
  console.log(`\n== ${bench}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status || 1);
}

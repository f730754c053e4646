#!/usr/bin/env node
// Part of `npm start`: builds what is out of date (the server itself is started by the npm script).
// The web app is rebuilt only when its sources are newer than the last build, so several nodes
// started from one checkout (a cluster on one machine) do not rebuild, and briefly empty, the
// directory a running node serves its pages from.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status || 1);
}

/** Newest modification time of a file or of any file below a directory (node_modules and dist skipped). */
function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    latest = Math.max(latest, newest(path.join(target, entry)));
  }
  return latest;
}

// libdatachannel's patch (issue #13), in case the install ran with --ignore-scripts; a no-op otherwise.
run(process.execPath, [path.join(root, 'scripts/patch-libdatachannel.mjs')]);
// tsc -b is incremental: it writes nothing when the server is up to date.
run('npx', ['tsc', '-b', 'packages/protocol', 'packages/sfu', 'packages/server']);
const builtPage = path.join(root, 'packages/web/dist/index.html');
const webSources = ['packages/web', 'packages/protocol/src'].map((dir) => newest(path.join(root, dir)));
if (!existsSync(builtPage) || Math.max(...webSources) > statSync(builtPage).mtimeMs) {
  run('npm', ['run', 'build', '-w', '@parley/web']);
}

#!/usr/bin/env node
// `npm test`: makes sure the Debian packages the tests need are there (installing them when running as
// root), builds, checks types and lint, then runs every test project (unit + integration, then browser).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(command, args, options = {}) {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`\n✗ ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

// Debian packages the tests use: Chromium for browser tests; PostgreSQL, Redis, coturn and nginx for
// the database, cluster and TURN tests (each test starts its own instance on its own ports).
const systemNeeds = [
  { pkg: 'chromium', path: chromium },
  { pkg: 'postgresql', path: '/usr/lib/postgresql/15/bin/initdb' },
  { pkg: 'redis-server', path: '/usr/bin/redis-server' },
  { pkg: 'coturn', path: '/usr/bin/turnserver' },
  { pkg: 'nginx', path: '/usr/sbin/nginx' },
];
const missing = systemNeeds.filter((need) => !existsSync(need.path)).map((need) => need.pkg);
if (missing.length > 0) {
  if (process.getuid?.() === 0) {
    console.log(`Missing Debian packages: ${missing.join(', ')}; installing them…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update'], { env });
    run('apt-get', ['install', '-y', ...missing], { env });
  } else {
    console.error(
      `The tests need these Debian packages: ${missing.join(', ')}.\n` +
        `Install them with:  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}\n` +
        '(CHROMIUM_PATH may point to another Chromium binary).',
    );
    process.exit(1);
  }
}

run('npm', ['run', 'build']);
run('npm', ['run', 'typecheck']);
run('npx', ['biome', 'ci', '.']);
run('npx', ['vitest', 'run', '--project', 'unit']);
run('npx', ['vitest', 'run', '--project', 'e2e']);

#!/usr/bin/env node
// `npm test`: makes sure the Debian packages the tests need are there (installing them when running as
// root), builds, checks types and lint, then runs every test project (unit + integration, then browser).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const firefox = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

function run(command, args, options = {}) {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`\n✗ ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

// Debian packages the tests use: Chromium and Firefox ESR for browser tests (Xvfb for the Firefox that
// shares a screen); PostgreSQL, Redis, coturn, nginx and slapd (OpenLDAP) for the database, cluster,
// TURN and LDAP sign-in tests (each test starts its own instance on its own ports).
const systemNeeds = [
  { pkg: 'chromium', path: chromium },
  { pkg: 'firefox-esr', path: firefox },
  { pkg: 'xvfb', path: '/usr/bin/Xvfb' },
  { pkg: 'postgresql', path: '/usr/lib/postgresql/15/bin/initdb' },
  { pkg: 'redis-server', path: '/usr/bin/redis-server' },
  { pkg: 'coturn', path: '/usr/bin/turnserver' },
  { pkg: 'nginx', path: '/usr/sbin/nginx' },
  { pkg: 'slapd', path: '/usr/sbin/slapd' },
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
        '(CHROMIUM_PATH and FIREFOX_PATH may point to other browser binaries).',
    );
    process.exit(1);
  }
}

run('npm', ['run', 'build']);
run('npm', ['run', 'typecheck']);
run('npx', ['biome', 'ci', '.']);
// No import cycles, no source file over 400 lines (dpdm.config.ts, scripts/check-file-size.mjs).
run('npm', ['run', 'check:layout']);
// Three workers on two cores: the unit tests wait on sockets and timers about half the time (measured:
// 270 s with the default two workers, 120 s with three); four brought timing-sensitive tests to fail.
run('npx', ['vitest', 'run', '--project', 'unit', '--maxWorkers=3']);
// The browser tests' build of the app (with the E2EE frame tap), made once before both browser sets start.
run('npm', ['run', 'build:test', '-w', '@parley/web'], { env: { ...process.env, NODE_ENV: 'production' } });

/** Runs a command in the background, its output prefixed by `tag`; resolves with its exit code. */
function runTagged(tag, command, args) {
  console.log(`\n$ ${command} ${args.join(' ')}  [${tag}]`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      let rest = '';
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) out.write(`[${tag}] ${line}\n`);
      });
      stream.on('end', () => rest && out.write(`[${tag}] ${rest}\n`));
    }
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// The browser tests: Chromium's set, then Firefox's set (the room tests again, and the mixed meeting),
// each one file at a time (vitest.config.ts). One after the other: run side by side on two cores, the
// timing-sensitive media checks (held frames, the hostile SFU's control run) failed now and then.
const started = Date.now();
const chromiumExit = await runTagged('chromium', 'npx', ['vitest', 'run', '--project', 'e2e']);
const firefoxExit = await runTagged('firefox', 'npx', ['vitest', 'run', '--project', 'e2e-firefox']);
console.log(`\nbrowser tests: ${Math.round((Date.now() - started) / 1000)} s`);
for (const [name, code] of [
  ['e2e (Chromium)', chromiumExit],
  ['e2e-firefox', firefoxExit],
])
  if (code !== 0) {
    console.error(`\n✗ vitest run --project ${name} failed (exit ${code})`);
    process.exitCode = 1;
  }

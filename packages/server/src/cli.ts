#!/usr/bin/env node
/**
 * The admin command line: `npm run parley -- user add <username> [--admin]` etc. (accounts/admin-cli.ts),
 * and `npm run parley -- verify-client <url>` (client-verify/verify-client.ts, docs/verify-client.md).
 */
import { runAdminCli } from './accounts/admin-cli.js';
import { runVerifyClient } from './client-verify/verify-client.js';

const argv = process.argv.slice(2);
process.exitCode =
  argv[0] === 'verify-client'
    ? await runVerifyClient({ argv: argv.slice(1), stdout: process.stdout, stderr: process.stderr })
    : await runAdminCli({
        argv,
        env: process.env,
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      });

#!/usr/bin/env node
/** The admin command line: `npm run parley -- user add <username> [--admin]` etc. See accounts/admin-cli.ts. */
import { runAdminCli } from './accounts/admin-cli.js';

process.exitCode = await runAdminCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});

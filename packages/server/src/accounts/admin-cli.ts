import readline from 'node:readline';
import { AccountRole, Username } from '@parley/protocol';
import { loadConfig } from '../config.js';
import { closeDatabase, openDatabase } from '../store/database.js';
import { AccountService, InvalidAccountInputError, UsernameTakenError } from './account-service.js';
import { dataExport } from './data-export.js';
import { firstIssueMessage } from './input.js';

/** Where the command line reads and writes; process.* in production, fakes in tests. */
export interface AdminCliIo {
  /** Arguments after the script name, e.g. ['user', 'add', 'alice', '--admin']. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Base for a relative PARLEY_DATA_DIR; default process.cwd(). */
  cwd?: string;
}

export const ADMIN_CLI_USAGE = `Usage: npm run parley -- <command>

Commands:
  user add <username> [--admin]   create an account (an administrator with --admin); the password is
                                  read from PARLEY_PASSWORD or, when that is unset, from the first
                                  line of standard input
  user delete <username>          delete an account and end all its sessions
  user role <username> admin|user make an account an administrator or a user (never the last
                                  administrator a user); the same as on the /admin page
  user export <username>          print everything Parley keeps about an account, as JSON
  user list                       list accounts: username, role, creation date
  verify-client <url> [--commit <sha>]
                                  compare the web app a server serves with a local build, file by
                                  file (docs/verify-client.md); exit 1 on any difference
  --help                          show this help

The database lives in PARLEY_DATA_DIR (default ./data), or in PostgreSQL when PARLEY_DATABASE_URL is set.
`;

/** A mistake of the operator's: printed as one line, exit code 1. */
class UsageError extends Error {}

type Command =
  | { kind: 'help' }
  | { kind: 'add'; username: string; role: AccountRole }
  | { kind: 'delete'; username: string }
  | { kind: 'export'; username: string }
  | { kind: 'role'; username: string; role: AccountRole }
  | { kind: 'list' };

/** Runs one admin command; returns the process exit code. */
export async function runAdminCli(io: AdminCliIo): Promise<number> {
  try {
    const command = parseCommand(io.argv);
    if (command.kind === 'help') {
      io.stdout.write(ADMIN_CLI_USAGE);
      return 0;
    }
    await execute(command, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidAccountInputError) {
      io.stderr.write(`parley: ${error.message}\n`);
      return 1;
    }
    // Configuration and database errors carry readable messages too; anything else is a bug.
    io.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function parseCommand(argv: readonly string[]): Command {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { kind: 'help' };
  const flags = argv.filter((arg) => arg.startsWith('-'));
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const [group, action, name, ...rest] = words;
  // `user role <username> <role>` is the one action with a further word.
  const roleWord = action === 'role' ? rest[0] : undefined;
  const extra = action === 'role' ? rest.slice(1) : rest;
  if (group === undefined) throw new UsageError('missing command. Run with --help to see the commands.');
  if (group !== 'user')
    throw new UsageError(`unknown command "${group}". Run with --help to see the commands.`);
  const unknownFlag = flags.find((flag) => !(action === 'add' && flag === '--admin'));
  if (unknownFlag !== undefined)
    throw new UsageError(`unknown option "${unknownFlag}" for "user ${action ?? ''}".`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}".`);

  switch (action) {
    case 'add':
      return {
        kind: 'add',
        username: requiredUsername(name, 'add'),
        role: flags.includes('--admin') ? 'admin' : 'user',
      };
    case 'delete':
      return { kind: 'delete', username: requiredUsername(name, 'delete') };
    case 'export':
      return { kind: 'export', username: requiredUsername(name, 'export') };
    case 'role': {
      const username = requiredUsername(name, 'role');
      const role = AccountRole.safeParse(roleWord);
      if (!role.success) throw new UsageError('missing or unknown role: user role <username> admin|user.');
      return { kind: 'role', username, role: role.data };
    }
    case 'list':
      if (name !== undefined) throw new UsageError(`unexpected argument "${name}".`);
      return { kind: 'list' };
    case undefined:
      throw new UsageError('missing action: user add, user delete, user role, user export or user list.');
    default:
      throw new UsageError(`unknown action "user ${action}". Run with --help to see the commands.`);
  }
}

/** Validated and normalised (lowercase) before anything else happens, so mistakes show early. */
function requiredUsername(name: string | undefined, action: string): string {
  if (name === undefined) throw new UsageError(`missing username: user ${action} <username>.`);
  const parsed = Username.safeParse(name);
  if (!parsed.success) throw new UsageError(firstIssueMessage(parsed.error));
  return parsed.data;
}

async function execute(command: Exclude<Command, { kind: 'help' }>, io: AdminCliIo): Promise<void> {
  // Read the password before opening the database: a missing password is the operator's mistake.
  const password = command.kind === 'add' ? await readPassword(io) : undefined;
  const config = loadConfig(io.env, io.cwd);
  const db = await openDatabase(config);
  const accounts = new AccountService(db, { sweepIntervalMs: 0 });
  try {
    switch (command.kind) {
      case 'add':
        try {
          await accounts.createUser(command.username, password!, command.role);
        } catch (error) {
          if (error instanceof UsernameTakenError)
            throw new UsageError(`user "${command.username}" already exists.`);
          throw error;
        }
        io.stdout.write(
          `Added ${command.role === 'admin' ? 'administrator' : 'user'} "${command.username}".\n`,
        );
        return;
      case 'delete':
        if (!(await accounts.deleteUser(command.username))) {
          throw new UsageError(`no such user "${command.username}".`);
        }
        io.stdout.write(`Deleted user "${command.username}" and ended their sessions.\n`);
        return;
      case 'role': {
        const outcome = await accounts.changeRole(command.username, command.role);
        if (outcome === 'not-found') throw new UsageError(`no such user "${command.username}".`);
        if (outcome === 'last-admin') {
          throw new UsageError(
            `"${command.username}" is the only administrator; make another account an administrator first.`,
          );
        }
        io.stdout.write(
          `"${command.username}" is ${outcome === 'unchanged' ? 'already' : 'now'} ${command.role === 'admin' ? 'an administrator' : 'a user'}.\n`,
        );
        return;
      }
      case 'list':
        io.stdout.write(formatUserList(await accounts.listUsers()));
        return;
      case 'export': {
        const data = await accounts.exportDataOf(command.username);
        if (data === null) throw new UsageError(`no such user "${command.username}".`);
        io.stdout.write(`${JSON.stringify(dataExport(data, new Date()), null, 2)}\n`);
        return;
      }
    }
  } finally {
    accounts.close();
    await closeDatabase(db);
  }
}

function formatUserList(
  users: ReadonlyArray<{ username: string; role: AccountRole; createdAt: Date }>,
): string {
  if (users.length === 0) return 'No accounts yet.\n';
  const width = Math.max('USERNAME'.length, ...users.map((user) => user.username.length));
  const rows = users.map(
    (user) =>
      `${user.username.padEnd(width)}  ${user.role.padEnd(5)}  ${user.createdAt.toISOString().slice(0, 10)}`,
  );
  return `${['USERNAME'.padEnd(width), 'ROLE '.padEnd(5), 'CREATED'].join('  ')}\n${rows.join('\n')}\n`;
}

/** PARLEY_PASSWORD when set (even empty: then validation explains); otherwise stdin's first line. */
async function readPassword(io: AdminCliIo): Promise<string> {
  const fromEnv = io.env.PARLEY_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if ((io.stdin as { isTTY?: boolean }).isTTY) io.stderr.write('Password (shown as you type): ');
  const lines = readline.createInterface({
    input: io.stdin,
    terminal: false,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    for await (const line of lines) return line;
  } finally {
    lines.close();
  }
  throw new UsageError(
    'no password: set PARLEY_PASSWORD or write the password as the first line of standard input.',
  );
}

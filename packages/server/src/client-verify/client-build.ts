import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Local builds of the web app to compare a running instance with (docs/verify-client.md): of the
 * working tree, or of a given commit taken with `git archive` into a temporary directory. Builds are
 * reproducible (packages/web/build/client-manifest.ts), so the same commit gives the same bytes here
 * as on the server that was built from it.
 */

const run = promisify(execFile);

/** The repository this command runs from (packages/server/{src,dist}/client-verify → root). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');

export const MANIFEST_FILE = 'client-manifest.json';

/** Every file of a build, as served path relative to the site root → SHA-256 (hex). */
export async function hashTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (at: string, prefix: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(at, entry.name), relative);
      else
        out.set(
          relative,
          createHash('sha256')
            .update(await readFile(path.join(at, entry.name)))
            .digest('hex'),
        );
    }
  };
  await walk(dir, '');
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The environment of a build: as `npm run build` has it. NODE_ENV in particular changes the output
 * (a test runner's NODE_ENV=test makes the JSX transform embed absolute file paths).
 */
function buildEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'production', ...extra };
}

function viteBin(root: string): string {
  return path.join(root, 'node_modules/vite/bin/vite.js');
}

/** A build in a temporary directory. */
export interface LocalBuild {
  /** The build output (index.html, assets/, client-manifest.json). */
  dir: string;
  /** Removes the temporary directory. */
  dispose(): Promise<void>;
}

function temporary(root: string, dir: string): LocalBuild {
  return { dir, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** Builds the working tree's web app into a new temporary directory. */
export async function buildWorkingTree(repo = REPO_ROOT): Promise<LocalBuild> {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-client-'));
  const out = path.join(root, 'dist');
  await run(
    process.execPath,
    [viteBin(repo), 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: path.join(repo, 'packages/web'),
      env: buildEnv(),
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return temporary(root, out);
}

/**
 * Builds `commit`'s web app in a temporary directory (`git archive`, so only what the commit holds).
 * Dependencies: when the commit's package-lock.json is this checkout's, the checkout's node_modules
 * are linked in; otherwise `npm ci --ignore-scripts` installs them (from npm's cache or registry).
 */
export async function buildCommit(
  commit: string,
  repo = REPO_ROOT,
  log: (line: string) => void = () => undefined,
): Promise<LocalBuild & { commit: string }> {
  const { stdout } = await run('git', ['-C', repo, 'rev-parse', '--verify', `${commit}^{commit}`]);
  const sha = stdout.trim();
  const tree = await mkdtemp(path.join(tmpdir(), 'parley-client-'));
  try {
    return { ...(await buildTree(repo, tree, sha, log)), commit: sha };
  } catch (error) {
    await rm(tree, { recursive: true, force: true });
    throw error;
  }
}

async function buildTree(
  repo: string,
  tree: string,
  sha: string,
  log: (line: string) => void,
): Promise<LocalBuild> {
  const archive = path.join(tree, '.source.tar');
  log(`building ${sha} in ${tree}`);
  await run('git', ['-C', repo, 'archive', '--format=tar', '-o', archive, sha]);
  await run('tar', ['-xf', archive, '-C', tree]);
  const [ours, theirs] = await Promise.all([
    readFile(path.join(repo, 'package-lock.json'), 'utf8'),
    readFile(path.join(tree, 'package-lock.json'), 'utf8').catch(() => ''),
  ]);
  if (ours === theirs) await linkDependencies(repo, tree);
  else {
    log('its package-lock.json differs from this checkout: npm ci --ignore-scripts');
    await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: tree,
      maxBuffer: 64 * 1024 * 1024,
    });
  }
  try {
    await readFile(path.join(tree, 'packages/web/build/client-manifest.ts'));
  } catch {
    throw new Error(
      `commit ${sha} predates reproducible client builds (no packages/web/build/client-manifest.ts)`,
    );
  }
  const out = path.join(tree, 'packages/web/dist');
  await run(process.execPath, [viteBin(tree), 'build', '--logLevel', 'warn'], {
    cwd: path.join(tree, 'packages/web'),
    env: buildEnv({ PARLEY_BUILD_COMMIT: sha }),
    maxBuffer: 16 * 1024 * 1024,
  });
  return temporary(tree, out);
}

/**
 * node_modules for the temporary tree: links to this checkout's packages, except the workspace links
 * (@parley/*), which must point into the temporary tree so that its own sources are built.
 */
async function linkDependencies(repo: string, tree: string): Promise<void> {
  const workspaceDirs = ['', 'packages/protocol', 'packages/server', 'packages/web', 'e2e', 'bench'];
  for (const workspace of workspaceDirs) {
    const from = path.join(repo, workspace, 'node_modules');
    let entries: string[];
    try {
      entries = await readdir(from);
    } catch {
      continue;
    }
    const to = path.join(tree, workspace, 'node_modules');
    await mkdir(to, { recursive: true });
    for (const entry of entries) {
      if (entry === '.vite') continue;
      if (entry === '@parley') {
        await mkdir(path.join(to, entry), { recursive: true });
        for (const name of await readdir(path.join(from, entry)))
          await symlink(await readlink(path.join(from, entry, name)), path.join(to, entry, name));
      } else await symlink(path.join(from, entry), path.join(to, entry));
    }
  }
}

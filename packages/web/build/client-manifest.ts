import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

/**
 * Reproducible, checkable builds of the web app (docs/verify-client.md).
 *
 * - `sourceMapPath`: source map paths that do not depend on where the checkout or the output lives
 *   (repository-relative for our code, `node_modules/…` for dependencies), so the same commit built
 *   in any directory gives byte-identical maps.
 * - `clientManifest`: writes `client-manifest.json` next to index.html after the build: the commit
 *   and the SHA-256 of every file the server serves. `npm run parley -- verify-client <url>` compares
 *   a running instance with a local build of that commit.
 */

export const MANIFEST_FILE = 'client-manifest.json';

/** The repository root, two levels above packages/web. */
const repoRoot = path.resolve(import.meta.dirname, '../../..');

export function sourceMapPath(relativeSourcePath: string, sourcemapPath: string): string {
  const absolute = path.resolve(path.dirname(sourcemapPath), relativeSourcePath).split(path.sep).join('/');
  const dependency = absolute.lastIndexOf('/node_modules/');
  if (dependency >= 0) return absolute.slice(dependency + 1);
  return path.relative(repoRoot, absolute).split(path.sep).join('/');
}

/** The commit being built: PARLEY_BUILD_COMMIT (a build from `git archive`), else git's HEAD, else "unknown". */
function buildCommit(): string {
  const fromEnv = process.env.PARLEY_BUILD_COMMIT;
  if (fromEnv) return fromEnv;
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'package-lock.json'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...listFiles(path.join(dir, entry.name), relative));
    else if (relative !== MANIFEST_FILE) files.push(relative);
  }
  return files.sort();
}

export interface ClientManifest {
  commit: string;
  /** Served path (relative to the site root) → SHA-256, hex. */
  files: Record<string, string>;
}

export function clientManifest(): Plugin {
  let outDir = '';
  return {
    name: 'parley-client-manifest',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const files: Record<string, string> = {};
      for (const file of listFiles(outDir))
        files[file] = createHash('sha256')
          .update(readFileSync(path.join(outDir, file)))
          .digest('hex');
      const manifest: ClientManifest = { commit: buildCommit(), files };
      writeFileSync(path.join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    },
  };
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { buildCommit, buildWorkingTree, hashTree, type LocalBuild, MANIFEST_FILE } from './client-build.js';

/**
 * `npm run parley -- verify-client <url> [--commit <sha>] [--build <dir>]` (docs/verify-client.md):
 * fetches a running instance's web app — index.html, every file it references, every file its
 * client-manifest.json lists and every file of the local build — and compares each byte for byte
 * with a local build of the working tree, of `--commit`, or an existing build directory (`--build`).
 * Exit 0 only when every file is identical.
 */

export const VERIFY_USAGE = `Usage: npm run parley -- verify-client <url> [--commit <sha>] [--build <dir>]

Compares the web app served at <url> with a local build, file by file (SHA-256):
  (default)        a build of this working tree
  --commit <sha>   a build of that commit, made in a temporary directory (git archive)
  --build <dir>    an existing build directory (e.g. packages/web/dist of a trusted build)
Prints every file that differs, is missing or is extra, and exits 1 if there is any.
`;

/** The most any one served file may weigh (the largest source map is about 1 MB). */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_FILES = 2000;
/** Served paths the check accepts from the remote side: plain relative names, no "." or "..". */
const SAFE_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

function safePath(file: string): boolean {
  return file.split('/').every((part) => SAFE_NAME.test(part) && part !== '.' && part !== '..');
}

const RemoteManifest = z.object({
  commit: z.string().max(100),
  files: z.record(z.string().max(300), z.string().max(64)),
});

export interface VerifyIo {
  argv: readonly string[];
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

class UsageError extends Error {}

interface Options {
  url: URL;
  commit: string | null;
  build: string | null;
}

function parse(argv: readonly string[]): Options {
  let url: string | null = null;
  let commit: string | null = null;
  let build: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--commit' || arg === '--build') {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (arg === '--commit') commit = value;
      else build = value;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
    else if (url === null) url = arg;
    else throw new UsageError(`unexpected argument "${arg}"`);
  }
  if (url === null) throw new UsageError('missing <url>');
  if (commit !== null && build !== null) throw new UsageError('give --commit or --build, not both');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError('the URL must be http:// or https://');
  return { url: parsed, commit, build };
}

/** The site path a build file is served at: index.html is the app's `/`. */
function servedPath(file: string): string {
  return file === 'index.html' ? '/' : `/${file}`;
}

async function fetchBytes(url: URL): Promise<Uint8Array | null> {
  const response = await fetch(url, { redirect: 'error' });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_FILE_BYTES) throw new Error(`${url.pathname}: larger than ${MAX_FILE_BYTES} bytes`);
  const body = new Uint8Array(await response.arrayBuffer());
  if (body.length > MAX_FILE_BYTES) throw new Error(`${url.pathname}: larger than ${MAX_FILE_BYTES} bytes`);
  return body;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Same-origin paths index.html loads (script src, link href), as build-relative file names. */
export function referencedFiles(html: string): string[] {
  const files = new Set<string>();
  // Attribute values up to the closing quote: a bounded, non-nested pattern.
  for (const match of html.matchAll(/\b(?:src|href)="([^"]{1,300})"/g)) {
    const value = match[1] as string;
    if (!value.startsWith('/') || value.startsWith('//')) continue;
    const file = value.slice(1).split(/[?#]/)[0] as string;
    if (safePath(file)) files.add(file);
  }
  return [...files];
}

export async function runVerifyClient(io: VerifyIo): Promise<number> {
  let options: Options;
  try {
    if (io.argv.includes('--help') || io.argv.includes('-h')) {
      io.stdout.write(VERIFY_USAGE);
      return 0;
    }
    options = parse(io.argv);
  } catch (error) {
    io.stderr.write(`parley verify-client: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    return await verify(options, io);
  } catch (error) {
    io.stderr.write(`parley verify-client: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

async function verify(options: Options, io: VerifyIo): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  if (options.build) return compare(options.build, options, say);
  let build: LocalBuild;
  if (options.commit) build = await buildCommit(options.commit, undefined, say);
  else {
    say('building the working tree…');
    build = await buildWorkingTree();
  }
  try {
    return await compare(build.dir, options, say);
  } finally {
    await build.dispose();
  }
}

async function compare(dir: string, options: Options, say: (line: string) => void): Promise<number> {
  const local = await hashTree(dir);
  if (!local.has('index.html') || !local.has(MANIFEST_FILE))
    throw new Error(`${dir} is not a build of the web app (no index.html or ${MANIFEST_FILE})`);

  const base = new URL('/', options.url);
  const at = (file: string) => new URL(servedPath(file), base);
  const index = await fetchBytes(at('index.html'));
  if (index === null) throw new Error(`${base.href} serves no page`);
  const manifestBytes = await fetchBytes(at(MANIFEST_FILE));
  const remoteManifest = manifestBytes
    ? RemoteManifest.safeParse(JSON.parse(new TextDecoder().decode(manifestBytes)))
    : null;
  const localManifest = RemoteManifest.parse(
    JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')),
  );
  say(`local build: commit ${localManifest.commit}`);
  say(
    `served at ${base.href}: ${remoteManifest?.success ? `commit ${remoteManifest.data.commit}` : 'no valid manifest'}`,
  );

  // Every file of either side: the local build, what the page loads, what the server says it serves.
  const files = new Set(local.keys());
  for (const file of referencedFiles(new TextDecoder().decode(index))) files.add(file);
  if (remoteManifest?.success)
    for (const file of Object.keys(remoteManifest.data.files)) if (safePath(file)) files.add(file);
  if (files.size > MAX_FILES) throw new Error(`more than ${MAX_FILES} files to compare`);

  const problems: string[] = [];
  let same = 0;
  for (const file of [...files].sort()) {
    const served =
      file === 'index.html' ? index : file === MANIFEST_FILE ? manifestBytes : await fetchBytes(at(file));
    const expected = local.get(file);
    if (served === null) problems.push(`MISSING   ${file} (in the local build, not served)`);
    else if (expected === undefined) problems.push(`EXTRA     ${file} (served, not in the local build)`);
    else if (sha256(served) !== expected)
      problems.push(`DIFFERENT ${file} (served sha256 ${sha256(served)}, local ${expected})`);
    else same++;
  }
  for (const line of problems) say(line);
  if (problems.length > 0) {
    say(`✗ ${problems.length} of ${files.size} files do not match the local build.`);
    return 1;
  }
  say(`✓ all ${same} files match the local build (commit ${localManifest.commit}).`);
  return 0;
}

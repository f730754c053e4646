#!/usr/bin/env node
// Patches libdatachannel inside node-datachannel's prebuilt addon (issue #13: one malformed RTCP SDES
// packet made its receive thread loop forever). Runs at `npm ci` (root postinstall) and `npm start`.
//
// The recipe, packages/sfu/native/libdatachannel-patch.json, names each known addon by the sha256
// of the file as npm installs it and of the file once patched, and lists the bytes to replace. This
// script only ever writes a file whose checksum is the known original, checks every replaced byte
// beforehand and the checksum of the result, and replaces the file atomically. Running it again is a
// no-op. An addon with an unknown checksum is left alone with a loud warning (the server then warns at
// start too); docs/reliability.md ("libdatachannel patch") tells how to derive a patch for it.
//
//   node scripts/patch-libdatachannel.mjs           patch what needs it; exit 1 only on a failed patch
//   node scripts/patch-libdatachannel.mjs --check   change nothing; exit 1 unless the addon is patched
//   … --file <path>                                 work on that file instead of the installed addon
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const recipe = JSON.parse(
  readFileSync(path.join(root, 'packages/sfu/native/libdatachannel-patch.json'), 'utf8'),
);
const checkOnly = process.argv.includes('--check');
const fileArgument = process.argv.indexOf('--file');
const givenFile = fileArgument > 0 ? path.resolve(process.argv[fileArgument + 1] ?? '') : null;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** node-datachannel's addon for this platform, resolved the way node-datachannel itself finds it. */
function installedAddon() {
  const fromSfu = createRequire(path.join(root, 'packages/sfu/package.json'));
  let ndcMain;
  try {
    ndcMain = fromSfu.resolve('node-datachannel');
  } catch {
    return null;
  }
  const fromNdc = createRequire(ndcMain);
  const libc =
    process.platform === 'linux'
      ? process.report?.getReport().header.glibcVersionRuntime
        ? '-gnu'
        : '-musl'
      : '';
  const name = `@node-datachannel/${process.platform}-${process.arch}${libc}`;
  try {
    const dir = path.dirname(fromNdc.resolve(`${name}/package.json`));
    return { name, file: path.join(dir, 'node_datachannel.node') };
  } catch {
    return { name, file: null };
  }
}

function warn(lines) {
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n${lines.map((line) => `!! ${line}`).join('\n')}\n${bar}\n`);
}

function main() {
  const addon = givenFile ? { name: 'node-datachannel', file: givenFile } : installedAddon();
  if (!addon?.file) {
    warn([
      `libdatachannel patch: node-datachannel's addon (${addon?.name ?? 'node-datachannel'}) is not installed;`,
      'nothing patched. Media will not start without it.',
    ]);
    return checkOnly ? 1 : 0;
  }
  const bytes = readFileSync(addon.file);
  const actual = sha256(bytes);
  const entry = recipe.addons.find((a) => a.originalSha256 === actual || a.patchedSha256 === actual);
  const where = path.relative(root, addon.file);
  if (!entry) {
    warn([
      `libdatachannel patch: ${where} has an unknown sha256`,
      `  ${actual}`,
      'It is NOT patched against the RTCP SDES loop (issue #13): one malformed packet from a participant',
      'can spin a media worker. The server still starts (its watchdog replaces a spinning worker) but',
      "warns. Derive a patch for this build: docs/reliability.md, section 'libdatachannel patch'.",
    ]);
    return checkOnly ? 1 : 0;
  }
  if (actual === entry.patchedSha256) {
    console.log(`libdatachannel patch: ${where} (${entry.package} ${entry.version}) is patched.`);
    return 0;
  }
  if (checkOnly) {
    console.error(`libdatachannel patch: ${where} is the unpatched ${entry.package} ${entry.version}.`);
    return 1;
  }
  for (const edit of entry.edits) {
    const offset = Number.parseInt(edit.offset, 16);
    const original = Buffer.from(edit.original, 'hex');
    const patched = Buffer.from(edit.patched, 'hex');
    if (
      original.length !== patched.length ||
      !bytes.subarray(offset, offset + original.length).equals(original)
    ) {
      console.error(`libdatachannel patch: unexpected bytes at ${edit.offset} in ${where}; not patched.`);
      return 1;
    }
    patched.copy(bytes, offset);
  }
  const result = sha256(bytes);
  if (result !== entry.patchedSha256) {
    console.error(
      `libdatachannel patch: result has sha256 ${result}, expected ${entry.patchedSha256}; not written.`,
    );
    return 1;
  }
  const temporary = `${addon.file}.parley-patch-${process.pid}`;
  try {
    writeFileSync(temporary, bytes, { mode: statSync(addon.file).mode });
    renameSync(temporary, addon.file);
  } finally {
    rmSync(temporary, { force: true });
  }
  console.log(`libdatachannel patch: patched ${where} (${entry.package} ${entry.version}, RTCP SDES loop).`);
  return 0;
}

process.exitCode = main();

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  checkNativeAddonBytes,
  nativeAddonFile,
  nativeAddonState,
  UnpatchedNativeAddonError,
} from '@parley/sfu/transport';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../../..');
const script = path.join(root, 'scripts/patch-libdatachannel.mjs');
const recipe = JSON.parse(
  readFileSync(path.join(root, 'packages/sfu/native/libdatachannel-patch.json'), 'utf8'),
);
const entry = recipe.addons[0];
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const dir = mkdtempSync(path.join(tmpdir(), 'parley-ldc-patch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

/** The addon as npm installs it, rebuilt from the installed (patched) one by undoing the edits. */
function original(): Buffer {
  const bytes = readFileSync(nativeAddonFile()!);
  for (const edit of entry.edits)
    Buffer.from(edit.original, 'hex').copy(bytes, Number.parseInt(edit.offset, 16));
  return bytes;
}

describe('the libdatachannel patch', () => {
  it('is applied to the addon this checkout loads (npm ci ran the postinstall)', () => {
    const installed = readFileSync(nativeAddonFile()!);
    expect(sha256(installed)).toBe(entry.patchedSha256);
    expect(nativeAddonState(installed)).toBe('patched');
    expect(run('--check').status).toBe(0);
  });

  it('patches the original addon, checks both checksums, and is idempotent', () => {
    const file = path.join(dir, 'node_datachannel.node');
    const bytes = original();
    expect(sha256(bytes)).toBe(entry.originalSha256);
    writeFileSync(file, bytes);
    expect(run('--check', '--file', file).status).toBe(1);
    const first = run('--file', file);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('patched');
    expect(sha256(readFileSync(file))).toBe(entry.patchedSha256);
    expect(run('--file', file).stdout).toContain('is patched');
    expect(sha256(readFileSync(file))).toBe(entry.patchedSha256);
  });

  it('leaves an addon of unknown checksum alone, with a loud warning', () => {
    const file = path.join(dir, 'other.node');
    const bytes = original();
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(file, bytes);
    const result = run('--file', file);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('unknown sha256');
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(run('--check', '--file', file).status).toBe(1);
  });

  it('makes the server refuse the unpatched addon and warn about an unknown one', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    expect(() => checkNativeAddonBytes(original(), 'x.node', logger)).toThrow(UnpatchedNativeAddonError);
    const unknown = original();
    unknown[100] = unknown[100]! ^ 0xff;
    checkNativeAddonBytes(unknown, 'x.node', logger);
    expect(lines.join('')).toContain('NOT patched');
    lines.length = 0;
    checkNativeAddonBytes(readFileSync(nativeAddonFile()!), 'x.node', logger);
    expect(lines).toEqual([]);
  });
});

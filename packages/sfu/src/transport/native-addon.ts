import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '../api/logger.js';

/**
 * Is node-datachannel's native addon the one patched against libdatachannel's RTCP SDES loop?
 * (issue #13; the patch, applied at `npm ci` by scripts/patch-libdatachannel.mjs, and its derivation:
 * docs/reliability.md, "libdatachannel patch"). The recipe names each known addon by checksum.
 */
interface PatchRecipe {
  addons: Array<{ package: string; version: string; originalSha256: string; patchedSha256: string }>;
}

const recipe = JSON.parse(
  readFileSync(new URL('../../native/libdatachannel-patch.json', import.meta.url), 'utf8'),
) as PatchRecipe;

export type NativeAddonState =
  /** The known addon with the patch applied. */
  | 'patched'
  /** The known addon as npm installs it: a participant can make its receive thread spin. */
  | 'unpatched'
  /** Another build (other platform or version): no patch is known for it. */
  | 'unknown';

export function nativeAddonState(bytes: Buffer): NativeAddonState {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (recipe.addons.some((addon) => addon.patchedSha256 === sha256)) return 'patched';
  if (recipe.addons.some((addon) => addon.originalSha256 === sha256)) return 'unpatched';
  return 'unknown';
}

/** The addon file node-datachannel loads on this machine, found the way node-datachannel finds it. */
export function nativeAddonFile(): string | null {
  const require = createRequire(import.meta.url);
  const fromNdc = createRequire(require.resolve('node-datachannel'));
  const libcs = process.platform === 'linux' ? ['-gnu', '-musl'] : [''];
  for (const libc of libcs) {
    try {
      const manifest = fromNdc.resolve(
        `@node-datachannel/${process.platform}-${process.arch}${libc}/package.json`,
      );
      return path.join(path.dirname(manifest), 'node_datachannel.node');
    } catch {
      // not this one
    }
  }
  return null;
}

export class UnpatchedNativeAddonError extends Error {
  constructor(file: string) {
    super(
      `${file} is node-datachannel's addon without Parley's libdatachannel patch: one malformed RTCP ` +
        'packet from a participant would spin a media thread (issue #13). Run ' +
        '`node scripts/patch-libdatachannel.mjs` (npm ci and npm start do it), then start again.',
    );
    this.name = 'UnpatchedNativeAddonError';
  }
}

/**
 * Checked before media starts: refuses the known unpatched addon (throws UnpatchedNativeAddonError),
 * warns loudly for an unknown one (the watchdog and the bounded native log are then the only defence).
 */
export function checkNativeAddonBytes(bytes: Buffer, file: string, logger: Logger): void {
  const state = nativeAddonState(bytes);
  if (state === 'unpatched') throw new UnpatchedNativeAddonError(file);
  if (state === 'unknown') {
    logger.warn(
      { file: path.basename(file) },
      'media: node-datachannel addon of unknown checksum, NOT patched against the RTCP SDES loop ' +
        '(issue #13); see docs/reliability.md, "libdatachannel patch"',
    );
  }
}

/** checkNativeAddonBytes on the installed addon (main thread, before media starts). */
export function checkNativeAddon(logger: Logger): void {
  const file = nativeAddonFile();
  if (!file) {
    logger.warn('media: node-datachannel addon not found where expected; its patch cannot be checked');
    return;
  }
  checkNativeAddonBytes(readFileSync(file), file, logger);
}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { nativeAddonState, UnpatchedNativeAddonError } from '../transport/native-addon.js';

const ADDON_FILE = 'node_datachannel.node';

/**
 * Make this worker thread load its own copy of node-datachannel's native addon.
 *
 * node-datachannel 0.33 is not safe in several threads: its wrapper classes keep the JavaScript
 * constructors of the first thread that loaded it, and process-wide sets of every object (checked:
 * the second worker creating a data channel aborts the process in napi_open_escapable_handle_scope).
 * The addon links libdatachannel statically, so a copy of the file under another path is a separate
 * library instance (dlopen keys by path): its own constructors, threads, sockets and cleanup.
 * The copy is deleted as soon as it is loaded (the mapping stays valid). The bytes copied are checked:
 * the known addon without Parley's libdatachannel patch is refused (native-addon.ts).
 *
 * Call before anything imports node-datachannel in this thread.
 */
export function loadPrivateNativeAddon(): void {
  const require = createRequire(import.meta.url);
  const Module = require('node:module') as {
    _extensions: Record<string, (module: unknown, filename: string) => void>;
  };
  const loadNative = Module._extensions['.node']!;
  Module._extensions['.node'] = (module, filename) => {
    if (path.basename(filename) !== ADDON_FILE) return loadNative(module, filename);
    const dir = mkdtempSync(path.join(tmpdir(), `parley-media-${threadId}-`));
    const copy = path.join(dir, ADDON_FILE);
    try {
      const bytes = readFileSync(filename);
      if (nativeAddonState(bytes) === 'unpatched') throw new UnpatchedNativeAddonError(filename);
      writeFileSync(copy, bytes);
      return loadNative(module, copy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * How to start a media worker. Built code runs dist/…/media-worker.js directly. Under vitest this
 * module is the TypeScript source, and a worker thread gets none of vitest's transforms: a small
 * bootstrap registers tsx in the thread first and then imports media-worker.ts, resolving workspace
 * packages to their sources like vitest does (the `parley-source` condition). (`--import tsx`
 * in the worker's execArgv is not enough on Node 20: the entry is loaded before tsx's hooks apply.)
 */
export function mediaWorkerEntry(): { script: URL | string; options: WorkerOptions } {
  if (!import.meta.url.endsWith('.ts'))
    return { script: new URL('./media-worker.js', import.meta.url), options: {} };
  const tsxApi = tsxEsmApi();
  const entry = new URL('./media-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return { script: bootstrap, options: { eval: true, execArgv: ['--conditions', 'parley-source'] } };
}

/** tsx's ESM register API (`tsx/esm/api`, import condition) as a file URL. */
function tsxEsmApi(): string {
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return new URL(manifest.exports['./esm/api']!.import.default, pathToFileURL(packageJson)).href;
}

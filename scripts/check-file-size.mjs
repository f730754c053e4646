#!/usr/bin/env node
// No source file over 400 lines (issue 19): a file past that is no longer one job a newcomer holds in
// mind. Run by `npm run lint` and `npm test` (npm run check:layout). Checks every .ts/.tsx/.mjs/.js
// file under packages/*/src that is not a test (tests may be as long as the cases they list).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const LIMIT = 400;
const root = path.resolve(import.meta.dirname, '..');

/** Files and folders allowed past the limit, each with its reason. */
const exceptions = new Map([
  // Data, not logic: one line per translated text or per declared store.
  ['packages/web/src/i18n/en.ts', 'the English dictionary (data)'],
  ['packages/web/src/i18n/de.ts', 'the German dictionary (data)'],
  ['packages/server/src/privacy/inventory.ts', 'the privacy inventory (data)'],
]);

const isSource = (name) => /\.(ts|tsx|mjs|js)$/.test(name) && !/\.test\.(ts|tsx)$/.test(name);

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('dist')) yield* sources(full);
    } else if (isSource(entry.name)) yield full;
  }
}

const excepted = (file) =>
  [...exceptions.keys()].some((key) => (key.endsWith('/') ? file.startsWith(key) : file === key));

const tooLong = [];
for (const pkg of readdirSync(path.join(root, 'packages'))) {
  const src = path.join(root, 'packages', pkg, 'src');
  let files;
  try {
    files = [...sources(src)];
  } catch {
    continue;
  }
  for (const full of files) {
    const file = path.relative(root, full).split(path.sep).join('/');
    const lines = readFileSync(full, 'utf8').split('\n').length - 1;
    if (lines > LIMIT && !excepted(file)) tooLong.push(`  ${file}: ${lines} lines`);
  }
}
if (tooLong.length > 0) {
  console.error(`Source files over ${LIMIT} lines (split them by job, see docs/architecture.md):`);
  console.error(tooLong.join('\n'));
  process.exit(1);
}
console.log(`file sizes: every source file is within ${LIMIT} lines (or a listed exception)`);

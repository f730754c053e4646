#!/usr/bin/env node
// The packages' boundaries (issue 19, docs/architecture.md), run by `npm run check:layout`; imports are
// read from each module's syntax tree.
// - packages/sfu is a library that depends on node-datachannel only. Its modules may import node's
//   builtins (node:…), node-datachannel and their own files; its tests may also import vitest and
//   fast-check. Anything else (the server, the protocol, pino, fastify…) fails.
// - packages/media-bot is test tooling: no production module (packages/*/src, tests aside) imports it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const sfu = path.join(root, 'packages/sfu');
const ALLOWED = ['node-datachannel'];
const ALLOWED_IN_TESTS = [...ALLOWED, 'vitest', 'fast-check'];

function* modules(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* modules(full);
    else if (/\.tsx?$/.test(entry.name)) yield full;
  }
}

/** Every module specifier of a file: static imports and exports, `import()` and `import type`. */
function specifiers(file) {
  const text = readFileSync(file, 'utf8');
  const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

const wrong = [];
for (const dir of ['src', 'examples']) {
  for (const file of modules(path.join(sfu, dir))) {
    const relative = path.relative(root, file).split(path.sep).join('/');
    const allowed = /\.test\.ts$/.test(file) ? ALLOWED_IN_TESTS : ALLOWED;
    for (const specifier of specifiers(file)) {
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) {
        // Its own files only: a relative path may not leave the package.
        const target = path.resolve(path.dirname(file), specifier);
        if (target.startsWith(sfu + path.sep)) continue;
      } else if (allowed.includes(specifier)) continue;
      else if (dir === 'examples' && specifier.startsWith('@parley/sfu')) continue;
      wrong.push(`  ${relative}: imports ${specifier}`);
    }
  }
}
for (const pkg of readdirSync(path.join(root, 'packages'))) {
  const src = path.join(root, 'packages', pkg, 'src');
  if (pkg === 'media-bot') continue;
  let files;
  try {
    files = [...modules(src)];
  } catch {
    continue;
  }
  for (const file of files) {
    if (/\.test\.tsx?$/.test(file)) continue;
    if (specifiers(file).some((specifier) => specifier.startsWith('@parley/media-bot'))) {
      wrong.push(`  ${path.relative(root, file).split(path.sep).join('/')}: imports the test-only media bot`);
    }
  }
}
if (wrong.length > 0) {
  console.error('Package boundaries crossed (docs/architecture.md, "Boundaries"):');
  console.error(wrong.join('\n'));
  process.exit(1);
}
console.log(
  'boundaries: packages/sfu imports node-datachannel, builtins and itself only; no src imports the media bot',
);

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryStoreIds } from '../../src/privacy/inventory.js';
import { declaredStores } from '../../src/privacy/memory-stores.js';

/**
 * The code must not keep anything in memory that the data inventory does not declare. A module
 * declares what it keeps with `declareStore('<id>')` (checked at compile time and at run time) or
 * with a comment `Privacy: keeps …` naming the ids as `(inventory: <id>, <id>)`; a module that
 * only keeps transport state or ids says `Privacy: keeps nothing personal`.
 */

const src = path.resolve(import.meta.dirname, '../../src');

interface Module {
  /** Path relative to src/, with forward slashes. */
  file: string;
  text: string;
}

function sourceModules(dir = src): Module[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): Module[] => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceModules(full);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) return [];
    return [{ file: path.relative(src, full).split(path.sep).join('/'), text: readFileSync(full, 'utf8') }];
  });
}

const DECLARE_CALL = /declareStore\(\s*'([^']+)'\s*\)/g;
const KEEPS_COMMENT = /Privacy: keeps/;
const NOTHING_PERSONAL = /Privacy: keeps nothing personal/;
const INVENTORY_TAG = /\(inventory:\s*([^)]*)\)/g;
/**
 * Collections that can accumulate data and outlive a function call: Maps, Sets and arrays held in
 * class fields or module-level variables (a `const` inside a function is not a store).
 */
const STORE_SHAPE = new RegExp(
  [
    // class field: `private readonly byName = new Map<…>()`, `#attempts = new Map()`, `items: T[] = []`
    String.raw`^[ \t]+(?:(?:private|public|protected|readonly|static|override)\s+)*#?\w+\s*(?::[^=;]+)?=\s*(?:new (?:Map|Set|WeakMap|WeakSet)\b|\[\])`,
    // module level: `const reservations = new Map<…>()`
    String.raw`^(?:export\s+)?(?:const|let)\s+\w+\s*(?::[^=;]+)?=\s*(?:new (?:Map|Set|WeakMap|WeakSet)\b|\[\])`,
  ].join('|'),
  'm',
);

/** The inventory ids a module declares itself, or null when it declares nothing. */
function ownDeclaration(module: Module): string[] | null {
  const ids = [
    ...[...module.text.matchAll(DECLARE_CALL)].map((match) => match[1]!),
    ...[...module.text.matchAll(INVENTORY_TAG)].flatMap((match) =>
      match[1]!
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    ),
  ];
  if (ids.length > 0) return ids;
  if (NOTHING_PERSONAL.test(module.text)) return [];
  return null;
}

/** The inventory and its registry describe stores; they keep none. */
const modules = sourceModules().filter(
  (module) => module.file !== 'privacy/memory-stores.ts' && module.file !== 'privacy/inventory.ts',
);
const inventory = new Set<string>(memoryStoreIds());

describe('in-memory stores against the data inventory', () => {
  it('finds the source it scans', () => {
    expect(modules.map((module) => module.file)).toEqual(
      expect.arrayContaining([
        'privacy/rate-limiter.ts',
        'privacy/ip-hasher.ts',
        'accounts/account-service.ts',
      ]),
    );
  });

  it('names only inventory ids in declareStore calls and (inventory: …) tags', () => {
    const unknown = modules.flatMap((module) =>
      (ownDeclaration(module) ?? []).filter((id) => !inventory.has(id)).map((id) => `${module.file}: ${id}`),
    );
    expect(unknown, 'declared ids missing from privacy/inventory.ts').toEqual([]);
  });

  it('has a declaration for every module that keeps data in memory', () => {
    const undeclared = modules
      .filter((module) => STORE_SHAPE.test(module.text) || KEEPS_COMMENT.test(module.text))
      .filter((module) => ownDeclaration(module) === null)
      .map((module) => module.file);
    expect(undeclared, 'modules keeping data without declaring it (see the comment at the top)').toEqual([]);
  });

  it('has code behind every in-memory item of the inventory', () => {
    const declared = new Set<string>();
    for (const module of modules) {
      const own = ownDeclaration(module);
      for (const id of own ?? []) declared.add(id);
    }
    expect(
      [...inventory].filter((id) => !declared.has(id)),
      'inventory items no module declares',
    ).toEqual([]);
  });

  it('registers at run time exactly the declareStore calls of the modules loaded', async () => {
    const calling = modules.filter((module) => [...module.text.matchAll(DECLARE_CALL)].length > 0);
    expect(calling.length).toBeGreaterThanOrEqual(2);
    for (const module of calling) await import(pathToFileURL(path.join(src, module.file)).href);
    const expected = new Set(
      calling.flatMap((module) => [...module.text.matchAll(DECLARE_CALL)].map((m) => m[1])),
    );
    expect(new Set(declaredStores())).toEqual(expected);
    for (const id of declaredStores()) expect(inventory.has(id), id).toBe(true);
  });
});

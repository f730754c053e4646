import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SFU_MEMORY_STORES } from '@parley/sfu';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { MEMORY_ITEMS } from '../../src/privacy/memory-inventory.js';
import { declaredStores, definedStores } from '../../src/privacy/memory-stores.js';
import { MEMORY_STORE_IDS } from '../../src/privacy/store-ids.js';

/**
 * The code must not keep anything in memory that the data inventory does not declare, and the
 * inventory must declare nothing the code does not keep. The module that keeps a store defines it
 * (`defineStore({ id, name, data, purpose, legalBasis, retention, personal })`); another module that
 * keeps the same data says `declareStore(id)`; a module whose long-lived collections hold nothing
 * personal says `Privacy: keeps nothing personal`. This test reads every module's syntax tree (the
 * TypeScript parser, not patterns over the text) and holds them to that.
 */

const src = path.resolve(import.meta.dirname, '../../src');
/** The SFU (@parley/sfu) is a library of its own: its modules mark what they keep with `keepsStore(id)`. */
const sfuSrc = path.resolve(import.meta.dirname, '../../../sfu/src');

interface Module {
  /** Path relative to the scanned src/, with forward slashes. */
  file: string;
  text: string;
  tree: ts.SourceFile;
}

function sourceModules(base = src, dir = base): Module[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): Module[] => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceModules(base, full);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) return [];
    const text = readFileSync(full, 'utf8');
    const file = path.relative(base, full).split(path.sep).join('/');
    return [{ file, text, tree: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true) }];
  });
}

const NOTHING_PERSONAL = /Privacy: keeps nothing personal/;
const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);

/** `new Map()`, `new Set<…>()`, … or `[]`: a collection that starts empty to accumulate data. */
function isCollection(initializer: ts.Expression | undefined): boolean {
  if (!initializer) return false;
  if (ts.isArrayLiteralExpression(initializer)) return initializer.elements.length === 0;
  return (
    ts.isNewExpression(initializer) &&
    ts.isIdentifier(initializer.expression) &&
    COLLECTIONS.has(initializer.expression.text)
  );
}

/** What a module's syntax tree says about the data it keeps. */
interface Facts {
  /** Collections in class fields or module-level variables (they outlive a function call). */
  collections: string[];
  /** Class fields and module-level `let`s: any state that outlives a call. */
  state: string[];
  /** Ids of `defineStore({ id: … })` calls. */
  defines: string[];
  /** Ids of `declareStore('…')` calls. */
  declares: string[];
  /** Ids of `keepsStore('…')` calls (SFU modules: the store is declared by the SFU's host). */
  keeps: string[];
}

function factsOf(module: Module): Facts {
  const facts: Facts = { collections: [], state: [], defines: [], declares: [], keeps: [] };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyDeclaration(node)) {
      const name = node.name.getText();
      facts.state.push(name);
      if (isCollection(node.initializer)) facts.collections.push(name);
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const [first] = node.arguments;
      if (node.expression.text === 'declareStore' && first && ts.isStringLiteral(first)) {
        facts.declares.push(first.text);
      }
      if (node.expression.text === 'keepsStore' && first && ts.isStringLiteral(first)) {
        facts.keeps.push(first.text);
      }
      if (node.expression.text === 'defineStore' && first && ts.isObjectLiteralExpression(first)) {
        for (const property of first.properties) {
          if (
            ts.isPropertyAssignment(property) &&
            property.name.getText() === 'id' &&
            ts.isStringLiteral(property.initializer)
          ) {
            facts.defines.push(property.initializer.text);
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(module.tree);
  // Module level: `const byName = new Map()` keeps data for the process's life; so does any `let`.
  for (const statement of module.tree.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const isLet = (statement.declarationList.flags & ts.NodeFlags.Let) !== 0;
    for (const declaration of statement.declarationList.declarations) {
      const name = declaration.name.getText();
      if (isCollection(declaration.initializer)) facts.collections.push(name);
      if (isLet || isCollection(declaration.initializer)) facts.state.push(name);
    }
  }
  return facts;
}

/** The registry and the inventory describe stores; they keep none of the data they describe. */
const REGISTRY = new Set(['privacy/memory-stores.ts', 'privacy/memory-inventory.ts', 'privacy/inventory.ts']);
const modules = sourceModules()
  .filter((module) => !REGISTRY.has(module.file))
  .map((module) => ({ ...module, facts: factsOf(module) }));
const ids = new Set<string>(MEMORY_STORE_IDS);
/** The SFU's modules, except api/memory.ts, which describes the stores (it keeps none of their data). */
const sfuModules = sourceModules(sfuSrc)
  .filter((module) => module.file !== 'api/memory.ts')
  .map((module) => ({ ...module, facts: factsOf(module) }));

describe('in-memory stores against their declarations', () => {
  it('finds the source it scans, and the stores in it', () => {
    const files = modules.map((module) => module.file);
    expect(files).toEqual(
      expect.arrayContaining(['privacy/rate-limiter.ts', 'privacy/ip-hasher.ts', 'meeting/chat-history.ts']),
    );
    const chatHistory = modules.find((module) => module.file === 'meeting/chat-history.ts');
    expect(chatHistory?.facts.collections.length).toBeGreaterThan(0);
    expect(chatHistory?.facts.defines).toEqual(['chat-history']);
  });

  it('has a declaration in every module that keeps a collection', () => {
    const undeclared = modules
      .filter((module) => module.facts.collections.length > 0)
      .filter(
        (module) =>
          module.facts.defines.length === 0 &&
          module.facts.declares.length === 0 &&
          !NOTHING_PERSONAL.test(module.text),
      )
      .map((module) => `${module.file} (${module.facts.collections.join(', ')})`);
    expect(undeclared, 'modules keeping data without declaring it (see the comment at the top)').toEqual([]);
  });

  it('defines each store exactly once, and only stores of store-ids.ts', () => {
    const definitions = modules.flatMap((module) =>
      module.facts.defines.map((id) => ({ id, file: module.file })),
    );
    expect(definitions.map((definition) => definition.id).sort()).toEqual([...MEMORY_STORE_IDS].sort());
    const declarations = modules.flatMap((module) => module.facts.declares);
    expect(declarations.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('has no false declarations: every module that declares a store keeps state', () => {
    const empty = modules
      .filter((module) => module.facts.defines.length + module.facts.declares.length > 0)
      .filter((module) => module.facts.state.length === 0)
      .map((module) => module.file);
    expect(empty, 'modules declaring a store but keeping nothing').toEqual([]);
  });

  it('registers at run time exactly the definitions and declarations of the modules loaded', async () => {
    const declaring = modules.filter(
      (module) => module.facts.defines.length + module.facts.declares.length > 0,
    );
    for (const module of declaring) await import(pathToFileURL(path.join(src, module.file)).href);
    const defined = declaring.flatMap((module) => module.facts.defines);
    expect([...definedStores().keys()].sort()).toEqual([...defined].sort());
    expect([...declaredStores()].sort()).toEqual(
      [...new Set([...defined, ...declaring.flatMap((module) => module.facts.declares)])].sort(),
    );
  });

  it('serves in the inventory exactly the definitions the modules made', () => {
    expect(MEMORY_ITEMS.map((item) => item.id)).toEqual([...MEMORY_STORE_IDS]);
    for (const item of MEMORY_ITEMS) {
      expect(item.place).toBe('memory');
      expect(definedStores().get(item.id), item.id).toMatchObject({ id: item.id, name: item.name });
    }
  });
});

describe("the SFU's in-memory stores (@parley/sfu), declared by the server on its behalf", () => {
  it('finds the SFU source it scans, and the stores in it', () => {
    expect(sfuModules.map((module) => module.file)).toEqual(
      expect.arrayContaining(['room/sfu.ts', 'room/room-router.ts', 'forwarding/publication.ts']),
    );
    expect(sfuModules.find((module) => module.file === 'room/room-router.ts')?.facts.keeps).toEqual([
      'connection-addresses',
    ]);
  });

  it('has a keepsStore() or "keeps nothing personal" in every SFU module that keeps a collection', () => {
    const undeclared = sfuModules
      .filter((module) => module.facts.collections.length > 0)
      .filter((module) => module.facts.keeps.length === 0 && !NOTHING_PERSONAL.test(module.text))
      .map((module) => `${module.file} (${module.facts.collections.join(', ')})`);
    expect(undeclared, 'SFU modules keeping data without saying which store').toEqual([]);
  });

  it('never uses the privacy registry itself (the SFU depends on no part of the server)', () => {
    const registering = sfuModules
      .filter((module) => module.facts.defines.length + module.facts.declares.length > 0)
      .map((module) => module.file);
    expect(registering).toEqual([]);
  });

  it('lists in SFU_MEMORY_STORES exactly the stores its modules keep, all of them in the inventory', () => {
    const kept = new Set(sfuModules.flatMap((module) => module.facts.keeps));
    expect([...SFU_MEMORY_STORES].sort()).toEqual([...kept].sort());
    expect([...kept].filter((id) => !ids.has(id))).toEqual([]);
  });

  it('has no false declarations: every SFU module that says keepsStore keeps state', () => {
    const empty = sfuModules
      .filter((module) => module.facts.keeps.length > 0)
      .filter((module) => module.facts.state.length === 0)
      .map((module) => module.file);
    expect(empty, 'SFU modules marking a store but keeping nothing').toEqual([]);
  });

  it('is declared by the server where it starts the media plane', async () => {
    const main = modules.find((module) => module.file === 'main.ts')!;
    const calls: string[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) calls.push(node.expression.text);
      ts.forEachChild(node, visit);
    };
    visit(main.tree);
    expect(calls).toEqual(expect.arrayContaining(['declareSfuStores', 'startMediaPlane']));
    expect(calls.indexOf('declareSfuStores')).toBeLessThan(calls.indexOf('startMediaPlane'));
    const { declareSfuStores } = await import('../../src/media-bridge/sfu-stores.js');
    declareSfuStores();
    for (const store of SFU_MEMORY_STORES) expect(declaredStores().has(store), store).toBe(true);
  });
});

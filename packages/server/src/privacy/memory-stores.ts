import type { Text } from './legal-bases.js';
import type { MemoryStoreId } from './store-ids.js';

/**
 * The in-memory stores, declared by the code that keeps them. The module that keeps a store defines
 * it with `defineStore({...})`: what it keeps, why, the legal basis, how long and whether it is
 * personal — the data inventory's entry, next to the code it describes. Another module that keeps
 * the same data calls `declareStore(id)`. A module that keeps only non-personal state says
 * `Privacy: keeps nothing personal` at its top. test/privacy/memory-stores.test.ts holds the code to
 * this (by its syntax tree): a module with a long-lived collection and no declaration fails, and so
 * does a definition in a module that keeps nothing.
 */
export interface StoreDefinition<Id extends MemoryStoreId = MemoryStoreId> {
  readonly id: Id;
  /** Short name for people, e.g. "Chat history". */
  readonly name: string;
  /** What exactly is kept. */
  readonly data: string;
  readonly purpose: string;
  /** GDPR Art. 6 basis, worded in legal-bases.ts. */
  readonly legalBasis: string;
  readonly retention: Text;
  /** Whether the item is personal data (GDPR Art. 4(1)). */
  readonly personal: boolean;
}

const defined = new Map<MemoryStoreId, StoreDefinition>();
const declared = new Set<MemoryStoreId>();

/** Defines (once, in the module that keeps it) the in-memory store `definition.id`. Returns it. */
export function defineStore<const Id extends MemoryStoreId>(
  definition: StoreDefinition<Id>,
): StoreDefinition<Id> {
  defined.set(definition.id, definition);
  declared.add(definition.id);
  return definition;
}

/** Declares that the calling module also keeps the store `id`, defined elsewhere. Returns the id. */
export function declareStore<Id extends MemoryStoreId>(id: Id): Id {
  declared.add(id);
  return id;
}

/** Every store declared or defined so far by the modules loaded in this process. */
export function declaredStores(): ReadonlySet<MemoryStoreId> {
  return declared;
}

/** Every store defined so far by the modules loaded in this process. */
export function definedStores(): ReadonlyMap<MemoryStoreId, StoreDefinition> {
  return defined;
}

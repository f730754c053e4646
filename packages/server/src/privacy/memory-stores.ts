import type { MemoryStoreId } from './inventory.js';

/**
 * The in-memory stores the running code declares. A module that keeps data in memory calls
 * `declareStore(id)` once, at module level, next to the code that keeps it; the type accepts only
 * ids of the data inventory, and a test compares what was declared with the inventory. Modules
 * owned elsewhere may instead carry a comment `Privacy: keeps <id>` (checked by the same test).
 */
const declared = new Set<MemoryStoreId>();

/** Declares that the calling module keeps the inventory item `id` in memory. Returns the id. */
export function declareStore<Id extends MemoryStoreId>(id: Id): Id {
  declared.add(id);
  return id;
}

/** Every store declared so far by the modules loaded in this process. */
export function declaredStores(): ReadonlySet<MemoryStoreId> {
  return declared;
}

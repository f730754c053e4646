/**
 * What the SFU keeps in memory, for its host's privacy inventory: the ids of the stores (in Parley's
 * inventory, packages/server/src/privacy/store-ids.ts) whose data some SFU module holds. The SFU
 * describes them; the host declares them on the SFU's behalf where it creates the media plane.
 *
 * Each SFU module that keeps a long-lived collection says which store with `keepsStore(id)` (or
 * `Privacy: keeps nothing personal` at its top); Parley's syntax-tree test
 * (packages/server/test/privacy/memory-stores.test.ts) holds the modules and this list to each other.
 */
export const SFU_MEMORY_STORES = ['connection-addresses'] as const;

export type SfuMemoryStore = (typeof SFU_MEMORY_STORES)[number];

/** Marks the calling module as keeping `store` (nothing happens at run time). Returns the id. */
export function keepsStore<Id extends SfuMemoryStore>(store: Id): Id {
  return store;
}

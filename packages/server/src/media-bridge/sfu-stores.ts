import { SFU_MEMORY_STORES } from '@parley/sfu';
import { declareStore } from '../privacy/memory-stores.js';

/**
 * The SFU (@parley/sfu) keeps connection data in memory but knows nothing of Parley's privacy
 * inventory: it lists the stores it keeps (SFU_MEMORY_STORES; test/privacy/memory-stores.test.ts holds
 * that list to the SFU's modules), and Parley declares them on its behalf where it starts the plane.
 * The ids are typed: one the inventory does not know fails `npm run typecheck`.
 */
export function declareSfuStores(): void {
  for (const store of SFU_MEMORY_STORES) declareStore(store);
}

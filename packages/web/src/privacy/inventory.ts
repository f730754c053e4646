/** One entry of the server's data inventory, as far as the privacy page understands it. */
export type InventoryEntry = Record<string, string>;

/** The first array of objects found in the answer (or the answer itself), text fields only. */
export function inventoryEntries(body: unknown): InventoryEntry[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null
      ? (Object.values(body).find(Array.isArray) ?? [])
      : [];
  return list
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => {
      const entry: InventoryEntry = {};
      for (const [key, value] of Object.entries(item)) {
        if (typeof value === 'string' || typeof value === 'number') entry[key] = String(value);
        else if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
          entry[key] = value.join(', ');
      }
      return entry;
    })
    .filter((entry) => Object.keys(entry).length > 0);
}

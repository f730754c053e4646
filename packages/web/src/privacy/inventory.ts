/**
 * The server's privacy statement (/api/privacy, built from packages/server/src/privacy/inventory.ts),
 * read defensively: the page shows whatever well-formed items it finds and skips the rest, so an
 * older page keeps working against a newer server.
 */

/** Where an item lives; unknown places from a newer server are shown under "elsewhere". */
export const PLACES = [
  'database',
  'data-directory',
  'memory',
  'redis',
  'cookie',
  'browser-storage',
  'log',
] as const;
export type Place = (typeof PLACES)[number] | 'elsewhere';

export interface InventoryItem {
  id: string;
  place: Place;
  name: string;
  data: string;
  purpose: string;
  legalBasis: string;
  retention: string;
  personal: boolean;
  /** `table.column` for database items. */
  column?: string;
  /** File names for data-directory items. */
  files?: string[];
}

export interface PrivacyStatement {
  controller: { name: string | null; contact: string | null };
  ipRetentionSeconds: number | null;
  items: InventoryItem[];
}

const TEXT_FIELDS = ['id', 'name', 'data', 'purpose', 'legalBasis', 'retention'] as const;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function parseItem(value: unknown): InventoryItem | null {
  const raw = record(value);
  if (raw === null) return null;
  const fields: Partial<Record<(typeof TEXT_FIELDS)[number], string>> = {};
  for (const field of TEXT_FIELDS) {
    const found = text(raw[field]);
    if (found === null) return null;
    fields[field] = found;
  }
  const place = (PLACES as readonly unknown[]).includes(raw.place) ? (raw.place as Place) : 'elsewhere';
  const item: InventoryItem = {
    ...(fields as Record<(typeof TEXT_FIELDS)[number], string>),
    place,
    personal: raw.personal === true,
  };
  const table = text(raw.table);
  const column = text(raw.column);
  if (table !== null && column !== null) item.column = `${table}.${column}`;
  if (Array.isArray(raw.files)) item.files = raw.files.filter((file): file is string => text(file) !== null);
  return item;
}

/** The statement in the answer, or null when the answer is not one. */
export function parseStatement(body: unknown): PrivacyStatement | null {
  const raw = record(body);
  if (raw === null || !Array.isArray(raw.items)) return null;
  const controller = record(raw.controller);
  return {
    controller: { name: text(controller?.name), contact: text(controller?.contact) },
    ipRetentionSeconds: typeof raw.ipRetentionSeconds === 'number' ? raw.ipRetentionSeconds : null,
    items: raw.items.map(parseItem).filter((item): item is InventoryItem => item !== null),
  };
}

/** The items grouped by place, in the order of PLACES (then "elsewhere"), empty groups left out. */
export function itemsByPlace(items: readonly InventoryItem[]): Array<[Place, InventoryItem[]]> {
  const order: Place[] = [...PLACES, 'elsewhere'];
  return order
    .map((place): [Place, InventoryItem[]] => [place, items.filter((item) => item.place === place)])
    .filter(([, group]) => group.length > 0);
}

/**
 * The server's privacy statement (/api/privacy, built from packages/server/src/privacy/inventory.ts),
 * read defensively: the page shows whatever well-formed items it finds and skips the rest, so an
 * older page keeps working against a newer server. The shape is the protocol's (PrivacyStatement).
 */
import {
  PRIVACY_PLACES,
  PrivacyController,
  PrivacyItem,
  PrivacyPlace,
  PrivacyStatement as StatementSchema,
} from '@parley/protocol';
import { z } from 'zod';

/** Where an item lives; unknown places from a newer server are shown under "elsewhere". */
export const PLACES = PRIVACY_PLACES;
export type Place = PrivacyPlace | 'elsewhere';

/** An item as the page shows it: `column` is `table.column` for database items. */
export interface InventoryItem extends Omit<PrivacyItem, 'place' | 'table' | 'files'> {
  place: Place;
  files?: string[];
}

export interface PrivacyStatement {
  controller: { name: string | null; contact: string | null };
  ipRetentionSeconds: number | null;
  items: InventoryItem[];
}

/** The protocol's item, read leniently: texts as the schema says; place, flag and files forgiving. */
const ShownItem = PrivacyItem.pick({
  id: true,
  name: true,
  data: true,
  purpose: true,
  legalBasis: true,
  retention: true,
}).extend({
  place: PrivacyPlace.or(z.unknown().transform((): 'elsewhere' => 'elsewhere')),
  personal: z.unknown().transform((value) => value === true),
  table: z.unknown().optional(),
  column: z.unknown().optional(),
  files: z.unknown().optional(),
});

const Text = z.string().refine((text) => text.trim() !== '');
const shownText = (value: unknown): string | null => {
  const parsed = Text.safeParse(value);
  return parsed.success ? parsed.data : null;
};

function parseItem(value: unknown): InventoryItem | null {
  const parsed = ShownItem.safeParse(value);
  if (!parsed.success) return null;
  const { table, column, files, ...rest } = parsed.data;
  const item: InventoryItem = rest;
  const tableName = shownText(table);
  const columnName = shownText(column);
  if (tableName !== null && columnName !== null) item.column = `${tableName}.${columnName}`;
  if (Array.isArray(files)) item.files = files.filter((file): file is string => shownText(file) !== null);
  return item;
}

/** The statement in the answer, or null when the answer is not one. */
export function parseStatement(body: unknown): PrivacyStatement | null {
  const raw = z.looseObject({ items: z.array(z.unknown()) }).safeParse(body);
  if (!raw.success) return null;
  const controller = PrivacyController.partial().catch({}).parse(raw.data.controller);
  const ipRetention = StatementSchema.shape.ipRetentionSeconds.safeParse(raw.data.ipRetentionSeconds);
  return {
    controller: { name: shownText(controller.name), contact: shownText(controller.contact) },
    ipRetentionSeconds: ipRetention.success ? ipRetention.data : null,
    items: raw.data.items.map(parseItem).filter((item): item is InventoryItem => item !== null),
  };
}

/** The items grouped by place, in the order of PLACES (then "elsewhere"), empty groups left out. */
export function itemsByPlace(items: readonly InventoryItem[]): Array<[Place, InventoryItem[]]> {
  const order: Place[] = [...PLACES, 'elsewhere'];
  return order
    .map((place): [Place, InventoryItem[]] => [place, items.filter((item) => item.place === place)])
    .filter(([, group]) => group.length > 0);
}

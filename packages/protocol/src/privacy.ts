import { z } from 'zod';

/**
 * The privacy statement GET /api/privacy serves (built from packages/server/src/privacy/inventory.ts)
 * and the /privacy page shows. One schema for both sides: the server's statement is typed by it, the
 * page reads answers with it (leniently, so that an older page keeps working against a newer server).
 */

/** Where an item lives, in the order the /privacy page shows them. */
export const PRIVACY_PLACES = [
  'database',
  'data-directory',
  'memory',
  'redis',
  'cookie',
  'browser-storage',
  'log',
] as const;
export const PrivacyPlace = z.enum(PRIVACY_PLACES);
export type PrivacyPlace = z.infer<typeof PrivacyPlace>;

const Text = z.string().refine((text) => text.trim() !== '', 'empty');

export const PrivacyItem = z.object({
  id: Text,
  place: PrivacyPlace,
  name: Text,
  data: Text,
  purpose: Text,
  legalBasis: Text,
  retention: Text,
  personal: z.boolean(),
  /** Database items only. */
  table: z.string().optional(),
  column: z.string().optional(),
  /** Data-directory items only. */
  files: z.array(z.string()).readonly().optional(),
});
export type PrivacyItem = z.infer<typeof PrivacyItem>;

/** The controller responsible for the data (GDPR Art. 4(7)): the operator, by configuration. */
export const PrivacyController = z.object({ name: z.string().nullable(), contact: z.string().nullable() });
export type PrivacyController = z.infer<typeof PrivacyController>;

export const PrivacyStatement = z.object({
  controller: PrivacyController,
  ipRetentionSeconds: z.number(),
  sessionLifetimeDays: z.number(),
  /** Kept rooms nobody opened for this many days are deleted (PARLEY_KEPT_ROOM_DAYS). */
  keptRoomDays: z.number().optional(),
  items: z.array(PrivacyItem),
});
export type PrivacyStatement = z.infer<typeof PrivacyStatement>;

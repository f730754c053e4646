/**
 * The names of the in-memory stores that keep data of the data inventory. Each is defined once, with
 * what it keeps and why (`defineStore`), by the module that keeps it; privacy/memory-inventory.ts
 * gathers the definitions (its type requires one for every id here) and a test checks that the
 * definitions and the modules that keep data agree.
 */
export const MEMORY_STORE_IDS = [
  'oidc-pending',
  'meetings',
  'participants',
  'lobby-queue',
  'breakout-rooms',
  'raised-hands',
  'recording-consent',
  'room-passwords',
  'meeting-standings',
  'kicked-participants',
  'attendance',
  'resume-key',
  'ended-meetings',
  'invitation-key',
  'invitation-uses',
  'invitation-revocations',
  'chat-history',
  'chat-senders',
  'rate-limit-keys',
  'ip-hash-key',
  'connection-addresses',
] as const;
export type MemoryStoreId = (typeof MEMORY_STORE_IDS)[number];

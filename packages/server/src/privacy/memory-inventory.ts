import { BREAKOUT_ROOMS_STORE } from '../features/breakouts/move-grants.js';
import { RAISED_HANDS_STORE } from '../features/meeting-life/meeting-life.js';
import { RECORDING_CONSENT_STORE } from '../features/recording/recording.js';
import { ATTENDANCE_STORE } from '../meeting/attendance.js';
import { CHAT_HISTORY_STORE } from '../meeting/chat-history.js';
import { ENDED_MEETINGS_STORE } from '../meeting/ended-meetings.js';
import {
  INVITATION_KEY_STORE,
  INVITATION_REVOCATIONS_STORE,
  INVITATION_USES_STORE,
} from '../meeting/invitations.js';
import { LOBBY_QUEUE_STORE } from '../meeting/lobby.js';
import { PARTICIPANTS_STORE } from '../meeting/participant.js';
import { KICKED_PARTICIPANTS_STORE } from '../meeting/removals.js';
import { RESUME_KEY_STORE } from '../meeting/resume-tokens.js';
import { ROOM_PASSWORDS_STORE } from '../meeting/room-password.js';
import { MEETINGS_STORE } from '../meeting/room-registry.js';
import { CHAT_SENDERS_STORE } from '../meeting/sent-messages.js';
import { MEETING_STANDINGS_STORE } from '../meeting/standings.js';
import { OIDC_PENDING_STORE } from '../oidc/oidc-service.js';
import { CONNECTION_ADDRESSES_STORE } from '../signaling/session.js';
import { IP_HASH_KEY_STORE } from './ip-hasher.js';
import type { StoreDefinition } from './memory-stores.js';
import { RATE_LIMIT_KEYS_STORE } from './rate-limiter.js';
import { MEMORY_STORE_IDS, type MemoryStoreId } from './store-ids.js';

/**
 * The data inventory's in-memory part, gathered from the modules that keep each store (their
 * `defineStore` definitions). The type requires exactly one definition for every id of store-ids.ts.
 */
const DEFINITIONS: { readonly [Id in MemoryStoreId]: StoreDefinition<Id> } = {
  'oidc-pending': OIDC_PENDING_STORE,
  meetings: MEETINGS_STORE,
  participants: PARTICIPANTS_STORE,
  'lobby-queue': LOBBY_QUEUE_STORE,
  'breakout-rooms': BREAKOUT_ROOMS_STORE,
  'raised-hands': RAISED_HANDS_STORE,
  'recording-consent': RECORDING_CONSENT_STORE,
  'room-passwords': ROOM_PASSWORDS_STORE,
  'meeting-standings': MEETING_STANDINGS_STORE,
  'kicked-participants': KICKED_PARTICIPANTS_STORE,
  attendance: ATTENDANCE_STORE,
  'resume-key': RESUME_KEY_STORE,
  'ended-meetings': ENDED_MEETINGS_STORE,
  'invitation-key': INVITATION_KEY_STORE,
  'invitation-uses': INVITATION_USES_STORE,
  'invitation-revocations': INVITATION_REVOCATIONS_STORE,
  'chat-history': CHAT_HISTORY_STORE,
  'chat-senders': CHAT_SENDERS_STORE,
  'rate-limit-keys': RATE_LIMIT_KEYS_STORE,
  'ip-hash-key': IP_HASH_KEY_STORE,
  'connection-addresses': CONNECTION_ADDRESSES_STORE,
};

/** The in-memory stores as inventory items, in the order of store-ids.ts. */
export const MEMORY_ITEMS = MEMORY_STORE_IDS.map((storeId) => {
  const { id, ...rest } = DEFINITIONS[storeId];
  return { id, place: 'memory' as const, ...rest };
});

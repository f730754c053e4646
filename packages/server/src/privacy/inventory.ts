/**
 * Parley's data inventory: every item of data Parley keeps, anywhere, with what it is, why it is
 * kept, the legal basis (GDPR Art. 6), how long it is kept and where it lives. It is the single
 * source for the /privacy page, /api/privacy and docs/privacy.md, and tests hold the code to it:
 * every database column must have an entry here (checked against the migrated schema), every Redis
 * key kind and data-directory file too. In-memory stores are defined by the modules that keep them
 * (`defineStore`, gathered by memory-inventory.ts) and spliced in below.
 */
import type { PrivacyController, PrivacyItem, PrivacyPlace, PrivacyStatement } from '@parley/protocol';
import {
  ACCOUNT_LIFE,
  CONTRACT,
  KEPT_ROOM_LIFE,
  NECESSARY_STORAGE,
  NOT_PERSONAL,
  type RetentionFacts,
  SCHEDULE_LIFE,
  SECURITY,
  SESSION_LIFE,
  type Text,
} from './legal-bases.js';
import { MEMORY_ITEMS } from './memory-inventory.js';
import { MEMORY_STORE_IDS, type MemoryStoreId } from './store-ids.js';

export type { RetentionFacts } from './legal-bases.js';
export type { MemoryStoreId } from './store-ids.js';

/** Where an item lives (PrivacyPlace, each documented here). */
export type Place = PrivacyPlace &
  /** A column of the database (SQLite file in the data directory, or PostgreSQL). */
  (
    | 'database'
    /** The server's memory: gone when the process ends, never written to disk. */
    | 'memory'
    /** A file in the data directory (PARLEY_DATA_DIR). */
    | 'data-directory'
    /** A cookie in the person's browser. */
    | 'cookie'
    /** The browser's localStorage, on the person's own device only. */
    | 'browser-storage'
    /** The server's log output (standard output, collected by the operator). */
    | 'log'
    /** Redis, shared by the nodes of a cluster (PARLEY_REDIS_URL only); every key expires by itself. */
    | 'redis'
  );

interface CommonDefinition {
  /** Stable id; docs/privacy.md and code refer to it. */
  readonly id: string;
  readonly place: Place;
  /** Short name for people, e.g. "Username". */
  readonly name: string;
  /** What exactly is kept. */
  readonly data: string;
  readonly purpose: string;
  readonly legalBasis: string;
  readonly retention: Text;
  /** Whether the item is personal data (GDPR Art. 4(1)). */
  readonly personal: boolean;
}

interface ColumnDefinition extends CommonDefinition {
  readonly place: 'database';
  readonly table: string;
  readonly column: string;
}

interface FileDefinition extends CommonDefinition {
  readonly place: 'data-directory';
  /** File names inside the data directory this item covers. */
  readonly files: readonly string[];
}

interface OtherDefinition extends CommonDefinition {
  readonly place: 'memory' | 'cookie' | 'browser-storage' | 'log';
}

interface RedisDefinition extends CommonDefinition {
  readonly place: 'redis';
  /** The key kind: keys are named `parley:<kind>:…` (cluster/redis-keys.ts). */
  readonly keyKind: string;
}

type Definition = ColumnDefinition | FileDefinition | OtherDefinition | RedisDefinition;

/** Keeps the ids as literal types. */
function defineInventory<const T extends readonly Definition[]>(items: T): T {
  return items;
}

const DEFINITIONS = defineInventory([
  // ---- Database: accounts ----
  {
    id: 'users.id',
    place: 'database',
    table: 'users',
    column: 'id',
    name: 'Account id',
    data: 'A random identifier (UUID) of the account.',
    purpose: 'Links sessions to the account.',
    legalBasis: CONTRACT,
    retention: ACCOUNT_LIFE,
    personal: true,
  },
  {
    id: 'users.username',
    place: 'database',
    table: 'users',
    column: 'username',
    name: 'Username',
    data: 'The name the account holder signs in with (lowercase).',
    purpose: 'Signing in.',
    legalBasis: CONTRACT,
    retention: ACCOUNT_LIFE,
    personal: true,
  },
  {
    id: 'users.password_hash',
    place: 'database',
    table: 'users',
    column: 'password_hash',
    name: 'Password hash',
    data: 'An argon2id hash of the password; the password itself is never stored.',
    purpose: 'Checking the password at sign-in.',
    legalBasis: CONTRACT,
    retention: ACCOUNT_LIFE,
    personal: true,
  },
  {
    id: 'users.role',
    place: 'database',
    table: 'users',
    column: 'role',
    name: 'Account role',
    data: 'Administrator or user.',
    purpose: 'Deciding what the account may do.',
    legalBasis: CONTRACT,
    retention: ACCOUNT_LIFE,
    personal: true,
  },
  {
    id: 'users.created_at',
    place: 'database',
    table: 'users',
    column: 'created_at',
    name: 'Account creation time',
    data: 'When the account was created.',
    purpose: 'Account administration (the operator sees when an account was added).',
    legalBasis: CONTRACT,
    retention: ACCOUNT_LIFE,
    personal: true,
  },
  {
    id: 'users.origin',
    place: 'database',
    table: 'users',
    column: 'origin',
    name: 'Account origin',
    data: '`local` for accounts with a Parley password, `oidc:` and the issuer URL of the single sign-on provider that created the account (no e-mail, no provider subject), or `ldap:` and the URL of the LDAP directory that created it (no DN, no group, no other attribute).',
    purpose:
      'Signing in the right way: an account from a provider or directory has no Parley password and is only signed in through that provider or directory.',
    legalBasis: CONTRACT,
    retention: ACCOUNT_LIFE,
    personal: true,
  },
  // ---- Database: sessions ----
  {
    id: 'sessions.token_hash',
    place: 'database',
    table: 'sessions',
    column: 'token_hash',
    name: 'Session token hash',
    data: 'The SHA-256 hash of a signed-in browser’s session token; the token itself is only in that browser’s cookie.',
    purpose: 'Recognising a signed-in browser.',
    legalBasis: CONTRACT,
    retention: SESSION_LIFE,
    personal: true,
  },
  {
    id: 'sessions.user_id',
    place: 'database',
    table: 'sessions',
    column: 'user_id',
    name: 'Session owner',
    data: 'Which account a session belongs to.',
    purpose: 'Recognising a signed-in browser.',
    legalBasis: CONTRACT,
    retention: SESSION_LIFE,
    personal: true,
  },
  {
    id: 'sessions.created_at',
    place: 'database',
    table: 'sessions',
    column: 'created_at',
    name: 'Sign-in time',
    data: 'When the session began.',
    purpose: 'Showing account holders their signed-in browsers (in their data export).',
    legalBasis: CONTRACT,
    retention: SESSION_LIFE,
    personal: true,
  },
  {
    id: 'sessions.expires_at',
    place: 'database',
    table: 'sessions',
    column: 'expires_at',
    name: 'Session expiry',
    data: 'When the session ends by itself.',
    purpose: 'Ending sessions after a fixed time.',
    legalBasis: CONTRACT,
    retention: SESSION_LIFE,
    personal: true,
  },
  // ---- Database: instance settings (changed by administrators on /admin) ----
  {
    id: 'instance_settings.name',
    place: 'database',
    table: 'instance_settings',
    column: 'name',
    name: 'Instance setting',
    data: 'The name of a setting of the whole server, e.g. who may start meetings.',
    purpose: 'Running the server the way its administrators chose.',
    legalBasis: NOT_PERSONAL,
    retention: 'Until an administrator changes the setting.',
    personal: false,
  },
  {
    id: 'instance_settings.value',
    place: 'database',
    table: 'instance_settings',
    column: 'value',
    name: 'Instance setting value',
    data: 'The chosen value of such a setting (e.g. "every account" or "administrators only"); no names.',
    purpose: 'Running the server the way its administrators chose.',
    legalBasis: NOT_PERSONAL,
    retention: 'Until an administrator changes the setting.',
    personal: false,
  },
  // ---- Database: kept rooms (rooms that keep their settings, /api/kept-rooms) ----
  {
    id: 'kept_rooms.id',
    place: 'database',
    table: 'kept_rooms',
    column: 'id',
    name: 'Kept room id',
    data: 'A random identifier (UUID) of a kept room.',
    purpose: 'Linking its moderators to it; the owner edits it by this id.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.owner_id',
    place: 'database',
    table: 'kept_rooms',
    column: 'owner_id',
    name: 'Kept room owner',
    data: 'Which account keeps the room.',
    purpose:
      'Showing the owner their rooms and letting only them change them; the owner may open it and moderates it.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.name',
    place: 'database',
    table: 'kept_rooms',
    column: 'name',
    name: 'Kept room name',
    data: 'The room name (as in /room/<name>), reserved on this server while the room is kept.',
    purpose:
      'Recognising a meeting opened under this name so its settings apply; keeping the name for its owner.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.password_hash',
    place: 'database',
    table: 'kept_rooms',
    column: 'password_hash',
    name: 'Default room password hash',
    data: 'A salted scrypt hash of the default room password, or nothing; the password itself is never stored.',
    purpose: 'Asking guests for the room password from the moment the meeting opens.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.lobby',
    place: 'database',
    table: 'kept_rooms',
    column: 'lobby',
    name: 'Kept room lobby setting',
    data: 'Whether the lobby is on when the meeting opens.',
    purpose: 'Opening the room with the settings its owner chose (issue 17.4).',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.e2ee',
    place: 'database',
    table: 'kept_rooms',
    column: 'e2ee',
    name: 'Kept room encryption setting',
    data: 'Whether end-to-end encryption starts with the meeting.',
    purpose: 'Opening the room with the settings its owner chose (issue 17.4).',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.created_at',
    place: 'database',
    table: 'kept_rooms',
    column: 'created_at',
    name: 'Kept room creation time',
    data: 'When the room was kept.',
    purpose: 'Showing the owner their rooms; the retention clock starts here until the room is first opened.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.last_opened_at',
    place: 'database',
    table: 'kept_rooms',
    column: 'last_opened_at',
    name: 'Kept room last opening',
    data: 'When a meeting in the room was last opened (only the time, not who opened it or who came).',
    purpose: 'Deleting kept rooms nobody uses any more.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.next_start_at',
    place: 'database',
    table: 'kept_rooms',
    column: 'next_start_at',
    name: 'Scheduled start',
    data: 'The start time of the next meeting its owner scheduled in the room. Anyone who knows the room name can see it on the room page (/api/room-schedule/<name>), nothing else about the room.',
    purpose: 'Showing people who open the room early when the meeting starts; the calendar invitation.',
    legalBasis: CONTRACT,
    retention: SCHEDULE_LIFE,
    personal: true,
  },
  {
    id: 'kept_rooms.next_minutes',
    place: 'database',
    table: 'kept_rooms',
    column: 'next_minutes',
    name: 'Scheduled duration',
    data: 'How long that scheduled meeting is planned to last, in minutes.',
    purpose: 'Showing when the meeting starts and ends; the calendar invitation.',
    legalBasis: CONTRACT,
    retention: SCHEDULE_LIFE,
    personal: true,
  },
  {
    id: 'kept_room_moderators.room_id',
    place: 'database',
    table: 'kept_room_moderators',
    column: 'room_id',
    name: 'Kept room moderator (room)',
    data: 'Which kept room a moderator is listed for.',
    purpose: 'Letting the listed accounts open the room and making them its moderators.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  {
    id: 'kept_room_moderators.user_id',
    place: 'database',
    table: 'kept_room_moderators',
    column: 'user_id',
    name: 'Kept room moderator (account)',
    data: 'Which account the owner listed as a moderator of the room (also deleted with that account).',
    purpose: 'Letting the listed accounts open the room and making them its moderators.',
    legalBasis: CONTRACT,
    retention: KEPT_ROOM_LIFE,
    personal: true,
  },
  // ---- Database: schema bookkeeping ----
  {
    id: 'kysely_migration.name',
    place: 'database',
    table: 'kysely_migration',
    column: 'name',
    name: 'Applied schema migration',
    data: 'The name of each database schema change already applied.',
    purpose: 'Bringing the database schema up to date on start.',
    legalBasis: NOT_PERSONAL,
    retention: 'As long as the database exists.',
    personal: false,
  },
  {
    id: 'kysely_migration.timestamp',
    place: 'database',
    table: 'kysely_migration',
    column: 'timestamp',
    name: 'Migration time',
    data: 'When each schema change was applied.',
    purpose: 'Bringing the database schema up to date on start.',
    legalBasis: NOT_PERSONAL,
    retention: 'As long as the database exists.',
    personal: false,
  },
  {
    id: 'kysely_migration_lock.id',
    place: 'database',
    table: 'kysely_migration_lock',
    column: 'id',
    name: 'Migration lock id',
    data: 'A fixed name of the lock row.',
    purpose: 'Making sure only one process changes the schema at a time.',
    legalBasis: NOT_PERSONAL,
    retention: 'As long as the database exists.',
    personal: false,
  },
  {
    id: 'kysely_migration_lock.is_locked',
    place: 'database',
    table: 'kysely_migration_lock',
    column: 'is_locked',
    name: 'Migration lock state',
    data: 'Whether a schema change is running.',
    purpose: 'Making sure only one process changes the schema at a time.',
    legalBasis: NOT_PERSONAL,
    retention: 'As long as the database exists.',
    personal: false,
  },
  // ---- Files in the data directory ----
  {
    id: 'database-file',
    place: 'data-directory',
    files: ['parley.sqlite', 'parley.sqlite-wal', 'parley.sqlite-shm'],
    name: 'Embedded database',
    data: 'The SQLite database holding the accounts and sessions above (file mode 0600), with its write-ahead log and shared-memory index. Nothing about meetings is ever written. With PARLEY_DATABASE_URL the same tables live in that PostgreSQL database instead, and this file does not exist.',
    purpose: 'Keeping accounts across restarts.',
    legalBasis: CONTRACT,
    retention:
      'Rows are deleted as stated above; SQLite may keep deleted bytes in free pages until they are reused or the file is vacuumed.',
    personal: true,
  },
  {
    id: 'resume-key-file',
    place: 'data-directory',
    files: ['resume-key'],
    name: 'Reconnection signing key',
    data: 'A random secret key (32 bytes, file mode 0600) that signs the reconnection tokens of a single server. Nothing about people or meetings.',
    purpose:
      'Letting people whose connection dropped get back into their meeting even after the server restarted.',
    legalBasis: SECURITY,
    retention:
      'As long as the data directory exists; delete the file to make every reconnection token invalid.',
    personal: false,
  },
  // ---- Server memory: defined by the modules that keep it (privacy/memory-inventory.ts) ----
  ...MEMORY_ITEMS,
  // ---- Redis (cluster only) ----
  {
    id: 'redis:cluster-secret',
    place: 'redis',
    keyKind: 'cluster-secret',
    name: 'Cluster secret',
    data: 'A random key shared by the nodes of a cluster.',
    purpose:
      'Keying the hashes that stand for room names and people in Redis, signing resume tokens so that any node accepts them, and authenticating connections one node forwards to another.',
    legalBasis: NOT_PERSONAL,
    retention: 'Renewed by every running node; gone 30 days after the last node stopped.',
    personal: false,
  },
  {
    id: 'redis:node',
    place: 'redis',
    keyKind: 'node',
    name: 'Node heartbeat',
    data: 'A node’s random id, its internal address, how many meetings and participants it serves (numbers only) and whether it is shutting down.',
    purpose: 'Knowing which nodes are alive, and placing new meetings on the least-loaded one.',
    legalBasis: NOT_PERSONAL,
    retention: 'Renewed every 2 seconds while the node runs; gone 6 seconds after it stopped.',
    personal: false,
  },
  {
    id: 'redis:claim',
    place: 'redis',
    keyKind: 'claim',
    name: 'Meeting host',
    data: 'Which node hosts a meeting: the node id, under a keyed hash of the room name (never the name).',
    purpose: 'Making sure exactly one node hosts each meeting, and sending everyone there.',
    legalBasis: NOT_PERSONAL,
    retention:
      'Renewed every 2 seconds while the meeting runs; gone at its end, or 6 seconds after its node failed.',
    personal: false,
  },
  {
    id: 'redis:room',
    place: 'redis',
    keyKind: 'room',
    name: 'Meeting state for takeover',
    data: 'Under a keyed hash of the room name: the meeting’s random id, whether it is locked, has a lobby or keeps chat history, the salted hash of its password (never the password), and keyed hashes of the account ids and browser keys of who attended, who was removed and who is hard-muted, and per keyed hash of a person’s random resume lineage their role and whether they were hard-muted or removed. No names, display names, addresses or chat.',
    purpose:
      'When a node fails or shuts down, the node that takes the meeting over continues it with the same lock, lobby, password, removals and hard mutes (the people removed stay out, the people hard-muted stay muted).',
    legalBasis: SECURITY,
    retention:
      'While the meeting runs; deleted when it ends, or 3 minutes after its last renewal when its node failed and nobody came back.',
    personal: true,
  },
  {
    id: 'redis:ended',
    place: 'redis',
    keyKind: 'ended',
    name: 'Ended meeting',
    data: 'A keyed hash of the random id of a meeting a moderator ended.',
    purpose: 'No node may bring an ended meeting back for someone who reconnects.',
    legalBasis: NOT_PERSONAL,
    retention: '10 minutes (as long as a resume token could still name the meeting).',
    personal: false,
  },
  // ---- The person's browser ----
  {
    id: 'cookie:parley_session',
    place: 'cookie',
    name: 'Session cookie (parley_session)',
    data: 'A random session token. HttpOnly, SameSite=Strict, Secure over HTTPS. Set only when signing in.',
    purpose: 'Keeping an account holder signed in.',
    legalBasis: NECESSARY_STORAGE,
    retention: SESSION_LIFE,
    personal: true,
  },
  {
    id: 'cookie:parley_oidc',
    place: 'cookie',
    name: 'Single sign-on cookie (parley_oidc)',
    data: 'A random handle of the pending sign-in. HttpOnly, SameSite=Lax (it must come back with the provider’s redirect), Secure over HTTPS, path /api/oidc.',
    purpose: 'Tying the provider’s answer to the browser that started the sign-in.',
    legalBasis: NECESSARY_STORAGE,
    retention: 'At most 10 minutes; cleared when the sign-in finishes.',
    personal: false,
  },
  {
    id: 'storage:parley.displayName',
    place: 'browser-storage',
    name: 'Remembered display name (parley.displayName)',
    data: 'The display name last entered on this device.',
    purpose: 'Filling in the name the next time the person joins a meeting.',
    legalBasis: NECESSARY_STORAGE,
    retention:
      'On the device until the person clears it (browser settings); never sent anywhere except when joining.',
    personal: true,
  },
  {
    id: 'storage:parley.language',
    place: 'browser-storage',
    name: 'Chosen language (parley.language)',
    data: 'The language code (en or de) chosen with the language switch on this device.',
    purpose: 'Showing the pages in the language the person chose.',
    legalBasis: NECESSARY_STORAGE,
    retention: 'On the device until the person clears it (browser settings); never sent to the server.',
    personal: false,
  },
  {
    id: 'storage:parley.noiseSuppression',
    place: 'browser-storage',
    name: 'Noise suppression choice (parley.noiseSuppression)',
    data: 'Whether noise suppression on the microphone is on or off on this device (on unless switched off).',
    purpose: 'Keeping the person’s choice for the next meeting.',
    legalBasis: NECESSARY_STORAGE,
    retention: 'On the device until the person clears it (browser settings); never sent to the server.',
    personal: false,
  },
  {
    id: 'storage:parley.clientKey',
    place: 'browser-storage',
    name: 'Client key (parley.clientKey)',
    data: 'A random key this browser sends when joining a meeting.',
    purpose: 'Recognising, for the rest of a meeting, a participant a moderator removed.',
    legalBasis: SECURITY,
    retention:
      'On the device until the person clears it; on the server only as stated under “Participants” and “Removed participants”.',
    personal: true,
  },
  {
    id: 'storage:parley.lowData',
    place: 'browser-storage',
    name: 'Low-data settings (parley.lowData)',
    data: 'Three switches chosen on this device: receive video or audio only, data saver, send video. Written only once one is changed.',
    purpose: 'Keeping the data-saving choices for the next meeting on this device.',
    legalBasis: NECESSARY_STORAGE,
    retention:
      'On the device until the person clears it (browser settings); the server learns only, per meeting, how much video to forward.',
    personal: false,
  },
  {
    id: 'storage:parley.listening',
    place: 'browser-storage',
    name: 'Per-person volume (parley.listening, session storage)',
    data: 'For each other participant whose volume was changed on this device: their random participant id of this meeting, the volume (0–100) and whether they are muted for this person.',
    purpose:
      'Keeping the volume chosen for each person for the rest of the meeting, also across a reload of the tab.',
    legalBasis: NECESSARY_STORAGE,
    retention: 'Until the browser tab is closed (session storage); never sent to the server.',
    personal: false,
  },
  {
    id: 'storage:parley.background',
    place: 'browser-storage',
    name: 'Camera background (parley.background)',
    data: 'The background effect chosen for the camera: off, blur, one of Parley’s pictures, or “your picture”.',
    purpose: 'Applying the same background the next time the camera starts.',
    legalBasis: NECESSARY_STORAGE,
    retention: 'On the device until the person clears it (browser settings); never sent to the server.',
    personal: false,
  },
  {
    id: 'storage:parley.backgroundImage',
    place: 'browser-storage',
    name: 'Own background picture (parley.backgroundImage)',
    data: 'The picture the person chose as their camera background, scaled down to at most 1280×720 (JPEG).',
    purpose:
      'Showing that picture behind the person. The background is replaced in the browser before the video is encoded; the picture itself is never uploaded.',
    legalBasis: NECESSARY_STORAGE,
    retention: 'On the device until the person picks another picture or clears it (browser settings).',
    personal: true,
  },
  // ---- Logs ----
  {
    id: 'server-log',
    place: 'log',
    name: 'Server log',
    data: 'Start and stop, counts, random meeting and participant ids, and for each HTTP request its method, route pattern (e.g. /room/:name), status and duration. Never room names, display names, usernames, chat, addresses, user agents or tokens.',
    purpose: 'Operating the server and finding faults.',
    legalBasis: `${SECURITY} Contains no personal data by design.`,
    retention: 'Decided by the operator (Parley writes to standard output only).',
    personal: false,
  },
]);

type DefinitionUnion = (typeof DEFINITIONS)[number];

/** Every id in the inventory. */
export type InventoryId = DefinitionUnion['id'];

/** One inventory item as served by /api/privacy (a PrivacyItem, with this inventory's ids). */
export interface InventoryItem extends PrivacyItem {
  id: InventoryId;
  place: Place;
  name: string;
  data: string;
  purpose: string;
  legalBasis: string;
  retention: string;
  personal: boolean;
  /** Database items only. */
  table?: string;
  column?: string;
  /** Data-directory items only. */
  files?: readonly string[];
}

/** The controller responsible for the data (GDPR Art. 4(7)): the operator, by configuration. */
export type Controller = PrivacyController;

/** The whole statement, as /api/privacy serves it (its schema is in packages/protocol). */
export type { PrivacyStatement };

/** The inventory with its retention texts filled in from the running configuration. */
export function inventoryItems(facts: RetentionFacts): InventoryItem[] {
  return DEFINITIONS.map((definition): InventoryItem => {
    const { retention, ...rest } = definition;
    return { ...rest, retention: typeof retention === 'function' ? retention(facts) : retention };
  });
}

export function privacyStatement(controller: Controller, facts: RetentionFacts): PrivacyStatement {
  return { controller, ...facts, items: inventoryItems(facts) };
}

/** Ids of every in-memory store in the inventory. */
export function memoryStoreIds(): MemoryStoreId[] {
  return [...MEMORY_STORE_IDS];
}

/** `table.column` of every database column in the inventory. */
export function inventoryColumns(): string[] {
  return DEFINITIONS.flatMap((item) => ('table' in item ? [`${item.table}.${item.column}`] : []));
}

/** The kinds of Redis keys (`parley:<kind>:…`) the inventory accounts for. */
export function redisKeyKinds(): string[] {
  return DEFINITIONS.flatMap((item) => ('keyKind' in item ? [item.keyKind] : []));
}

/** File names in the data directory the inventory accounts for. */
export function inventoryFiles(): string[] {
  return DEFINITIONS.flatMap((item) => ('files' in item ? [...item.files] : []));
}

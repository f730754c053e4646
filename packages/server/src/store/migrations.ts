import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

/**
 * Every schema change, in order, in code: the built server (dist/) carries its migrations with it
 * and reads no migration files at run time. Names sort in the order they run; never edit a
 * migration that has shipped, add a new one. Only portable types (`text`,
 * `bigint`; no booleans, dates or auto-increment) so SQLite and PostgreSQL run the same list.
 */
const migrations: Record<string, Migration> = {
  '0001_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('username', 'text', (col) => col.notNull().unique())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addCheckConstraint('users_role_check', sql`role in ('admin', 'user')`)
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('sessions').execute();
      await db.schema.dropTable('users').execute();
    },
  },
  // Settings an administrator changes at run time on /admin (admin/instance-settings.ts): one row
  // per setting, its value as text. Not personal data.
  '0002_instance_settings': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('instance_settings')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('value', 'text', (col) => col.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('instance_settings').execute();
    },
  },
  // Rooms that keep their settings (kept-rooms/kept-room-store.ts): owned by an account and deleted
  // with it; flags as 0/1 bigints, times as epoch milliseconds. Never the room password, only a hash.
  '0003_kept_rooms': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('kept_rooms')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('owner_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('password_hash', 'text')
        .addColumn('lobby', 'bigint', (col) => col.notNull())
        .addColumn('e2ee', 'bigint', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_opened_at', 'bigint', (col) => col.notNull())
        .addColumn('next_start_at', 'bigint')
        .addColumn('next_minutes', 'bigint')
        .execute();
      await db.schema.createIndex('kept_rooms_owner_id').on('kept_rooms').column('owner_id').execute();
      await db.schema
        .createIndex('kept_rooms_last_opened_at')
        .on('kept_rooms')
        .column('last_opened_at')
        .execute();

      await db.schema
        .createTable('kept_room_moderators')
        .addColumn('room_id', 'text', (col) => col.notNull().references('kept_rooms.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('kept_room_moderators_pk', ['room_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('kept_room_moderators_user_id')
        .on('kept_room_moderators')
        .column('user_id')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('kept_room_moderators').execute();
      await db.schema.dropTable('kept_rooms').execute();
    },
  },
  // Accounts from single sign-on (oidc/): where an account comes from. `local` (every account so
  // far) signs in with its password; `oidc:<issuer>` only through that provider, its password_hash
  // being an unusable marker.
  '0004_account_origin': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('users')
        .addColumn('origin', 'text', (col) => col.notNull().defaultTo('local'))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('users').dropColumn('origin').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

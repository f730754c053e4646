import { randomUUID } from 'node:crypto';
import { type KeptRoom, type KeptRoomInput, type KeptRoomSchedule, MAX_KEPT_ROOMS } from '@parley/protocol';
import { passwordVerifier } from '../meeting/room-password.js';
import type { Database } from '../store/database.js';
import { isUniqueViolation } from '../store/errors.js';
import type { KeptRoomsTable } from '../store/schema.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** What a meeting opened in a kept room takes over (Meetings.join → enter). */
export interface KeptRoomPolicy {
  id: string;
  /** The owner and the listed moderators: the accounts that may open it; they moderate it. */
  moderatorIds: ReadonlySet<string>;
  /** The default password's salted hash (RoomPassword.restore), or null. */
  password: { salt: string; key: string } | null;
  lobby: boolean;
  e2ee: boolean;
}

/** A change refused: another kept room has the name, the account keeps too many, or unknown moderators. */
export type KeptRoomRefusal =
  | { refused: 'name-taken' }
  | { refused: 'limit' }
  | { refused: 'unknown-moderators'; usernames: string[] };

/** A kept room as the account's own-data export shows it. */
export interface KeptRoomExport {
  name: string;
  passwordSet: boolean;
  lobby: boolean;
  e2ee: boolean;
  moderators: string[];
  createdAt: string;
  lastOpenedAt: string;
  nextStart: string | null;
  nextMinutes: number | null;
}

const PASSWORD_PREFIX = 'scrypt$';

function encodeVerifier(verifier: { salt: string; key: string }): string {
  return `${PASSWORD_PREFIX}${verifier.salt}$${verifier.key}`;
}

function decodeVerifier(text: string | null): { salt: string; key: string } | null {
  if (text === null || !text.startsWith(PASSWORD_PREFIX)) return null;
  const [salt, key] = text.slice(PASSWORD_PREFIX.length).split('$');
  return salt && key ? { salt, key } : null;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();

/**
 * Rooms that keep their settings (issue 17.4): each belongs to one account (deleted with it by the
 * foreign key) and reserves its name on the instance. The default password is kept only as the
 * salted scrypt hash a meeting verifies with; nothing about who joined is ever written here.
 */
export class KeptRoomStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** The account's kept rooms, by name. */
  async list(ownerId: string): Promise<KeptRoom[]> {
    const rows = await this.db
      .selectFrom('kept_rooms')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .orderBy('name')
      .execute();
    return this.withModerators(rows);
  }

  async get(ownerId: string, id: string): Promise<KeptRoom | null> {
    const row = await this.db
      .selectFrom('kept_rooms')
      .selectAll()
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
    if (!row) return null;
    return (await this.withModerators([row]))[0] ?? null;
  }

  async create(ownerId: string, input: KeptRoomInput): Promise<KeptRoom | KeptRoomRefusal> {
    const moderators = await this.moderatorIds(ownerId, input.moderators);
    if ('refused' in moderators) return moderators;
    const password = input.password ? encodeVerifier(await passwordVerifier(input.password)) : null;
    const id = randomUUID();
    const now = this.now();
    try {
      const refused = await this.db.transaction().execute(async (tx) => {
        const count = await tx
          .selectFrom('kept_rooms')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .where('owner_id', '=', ownerId)
          .executeTakeFirstOrThrow();
        if (Number(count.n) >= MAX_KEPT_ROOMS) return true;
        await tx
          .insertInto('kept_rooms')
          .values({
            id,
            owner_id: ownerId,
            name: input.name,
            password_hash: password,
            lobby: input.lobby ? 1 : 0,
            e2ee: input.e2ee ? 1 : 0,
            created_at: now,
            last_opened_at: now,
            next_start_at: null,
            next_minutes: null,
          })
          .execute();
        if (moderators.ids.length > 0)
          await tx
            .insertInto('kept_room_moderators')
            .values(moderators.ids.map((userId) => ({ room_id: id, user_id: userId })))
            .execute();
        return false;
      });
      if (refused) return { refused: 'limit' };
    } catch (error) {
      if (isUniqueViolation(error)) return { refused: 'name-taken' };
      throw error;
    }
    return (await this.get(ownerId, id))!;
  }

  /** Changes one of the account's kept rooms; null when it has none with this id. */
  async update(
    ownerId: string,
    id: string,
    input: KeptRoomInput,
  ): Promise<KeptRoom | KeptRoomRefusal | null> {
    const moderators = await this.moderatorIds(ownerId, input.moderators);
    if ('refused' in moderators) return moderators;
    const password =
      input.password === undefined
        ? undefined
        : input.password === null
          ? null
          : encodeVerifier(await passwordVerifier(input.password));
    try {
      const found = await this.db.transaction().execute(async (tx) => {
        const result = await tx
          .updateTable('kept_rooms')
          .set({
            name: input.name,
            lobby: input.lobby ? 1 : 0,
            e2ee: input.e2ee ? 1 : 0,
            ...(password !== undefined && { password_hash: password }),
          })
          .where('id', '=', id)
          .where('owner_id', '=', ownerId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        await tx.deleteFrom('kept_room_moderators').where('room_id', '=', id).execute();
        if (moderators.ids.length > 0)
          await tx
            .insertInto('kept_room_moderators')
            .values(moderators.ids.map((userId) => ({ room_id: id, user_id: userId })))
            .execute();
        return true;
      });
      if (!found) return null;
    } catch (error) {
      if (isUniqueViolation(error)) return { refused: 'name-taken' };
      throw error;
    }
    return this.get(ownerId, id);
  }

  /** Deletes one of the account's kept rooms; false when it has none with this id. */
  async delete(ownerId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('kept_rooms')
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Sets (or clears, null) the next scheduled start; null when the account has no such room. */
  async setSchedule(
    ownerId: string,
    id: string,
    schedule: KeptRoomSchedule | null,
  ): Promise<KeptRoom | null> {
    const result = await this.db
      .updateTable('kept_rooms')
      .set({
        next_start_at: schedule ? Date.parse(schedule.start) : null,
        next_minutes: schedule ? schedule.minutes : null,
      })
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return null;
    return this.get(ownerId, id);
  }

  /** What a meeting opened under this room name takes over, or null when nobody keeps the name. */
  async policyFor(name: string): Promise<KeptRoomPolicy | null> {
    const row = await this.db
      .selectFrom('kept_rooms')
      .select(['id', 'owner_id', 'password_hash', 'lobby', 'e2ee'])
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) return null;
    const moderators = await this.db
      .selectFrom('kept_room_moderators')
      .select('user_id')
      .where('room_id', '=', row.id)
      .execute();
    return {
      id: row.id,
      moderatorIds: new Set([row.owner_id, ...moderators.map((m) => m.user_id)]),
      password: decodeVerifier(row.password_hash),
      lobby: Number(row.lobby) === 1,
      e2ee: Number(row.e2ee) === 1,
    };
  }

  /** A meeting opened in the kept room: it stays kept for another retention period. */
  async markOpened(id: string): Promise<void> {
    await this.db
      .updateTable('kept_rooms')
      .set({ last_opened_at: this.now() })
      .where('id', '=', id)
      .execute();
  }

  /** The next start of the meeting in this room, when one is scheduled and not over yet. */
  async scheduleFor(name: string): Promise<KeptRoomSchedule | null> {
    const row = await this.db
      .selectFrom('kept_rooms')
      .select(['next_start_at', 'next_minutes'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? this.upcoming(row) : null;
  }

  /** Deletes the kept rooms nobody opened for `days` days; returns how many went. */
  async sweep(days: number): Promise<number> {
    const result = await this.db
      .deleteFrom('kept_rooms')
      .where('last_opened_at', '<', this.now() - days * DAY_MS)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The account's kept rooms for its own-data export (moderators by username). */
  async exportFor(ownerId: string): Promise<KeptRoomExport[]> {
    const rows = await this.db
      .selectFrom('kept_rooms')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .orderBy('name')
      .execute();
    const rooms = await this.withModerators(rows);
    return rows.map((row, i) => ({
      name: row.name,
      passwordSet: row.password_hash !== null,
      lobby: Number(row.lobby) === 1,
      e2ee: Number(row.e2ee) === 1,
      moderators: rooms[i]!.moderators,
      createdAt: iso(row.created_at),
      lastOpenedAt: iso(row.last_opened_at),
      nextStart: row.next_start_at === null ? null : iso(row.next_start_at),
      nextMinutes: row.next_minutes === null ? null : Number(row.next_minutes),
    }));
  }

  private upcoming(row: Pick<KeptRoomsTable, 'next_start_at' | 'next_minutes'>): KeptRoomSchedule | null {
    if (row.next_start_at === null || row.next_minutes === null) return null;
    const start = Number(row.next_start_at);
    const minutes = Number(row.next_minutes);
    if (start + minutes * 60_000 < this.now()) return null;
    return { start: iso(start), minutes };
  }

  private async withModerators(rows: KeptRoomsTable[]): Promise<KeptRoom[]> {
    const ids = rows.map((row) => row.id);
    const moderators =
      ids.length === 0
        ? []
        : await this.db
            .selectFrom('kept_room_moderators')
            .innerJoin('users', 'users.id', 'kept_room_moderators.user_id')
            .select(['kept_room_moderators.room_id', 'users.username'])
            .where('kept_room_moderators.room_id', 'in', ids)
            .orderBy('users.username')
            .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      passwordSet: row.password_hash !== null,
      lobby: Number(row.lobby) === 1,
      e2ee: Number(row.e2ee) === 1,
      moderators: moderators.filter((m) => m.room_id === row.id).map((m) => m.username),
      createdAt: iso(row.created_at),
      lastOpenedAt: iso(row.last_opened_at),
      schedule: this.upcoming(row),
    }));
  }

  /** The account ids of the named moderators (the owner and repeats left out), or which names are unknown. */
  private async moderatorIds(
    ownerId: string,
    usernames: string[],
  ): Promise<{ ids: string[] } | KeptRoomRefusal> {
    const wanted = [...new Set(usernames)];
    if (wanted.length === 0) return { ids: [] };
    const users = await this.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username', 'in', wanted)
      .execute();
    const known = new Set(users.map((user) => user.username));
    const unknown = wanted.filter((name) => !known.has(name));
    if (unknown.length > 0) return { refused: 'unknown-moderators', usernames: unknown };
    return { ids: users.map((user) => user.id).filter((id) => id !== ownerId) };
  }
}

/** What the database holds about one account, for its owner (GDPR Art. 15 and 20; see data-export.ts). */

import type { AccountRole } from '@parley/protocol';
import { Username } from '@parley/protocol';
import { type KeptRoomExport, KeptRoomStore } from '../kept-rooms/kept-room-store.js';
import type { Database } from '../store/database.js';

/**
 * Everything the database holds about one account, for its owner (GDPR Art. 15 and 20): no password
 * hash, no session token hashes. Times are ISO 8601 strings.
 */
export interface AccountData {
  /** `origin`: `local`, `oidc:<issuer>` or `ldap:<url>` (the provider or directory the account comes from). */
  account: { id: string; username: string; role: AccountRole; createdAt: string; origin: string };
  sessions: Array<{ createdAt: string; expiresAt: string }>;
  /** The rooms the account keeps with their settings (never a password, only whether one is set). */
  keptRooms: KeptRoomExport[];
}

export class AccountExport {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** Everything kept about the account with this id, or null when there is none. */
  async of(userId: string): Promise<AccountData | null> {
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'created_at', 'origin'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (user === undefined) return null;
    const sessions = await this.db
      .selectFrom('sessions')
      .select(['created_at', 'expires_at'])
      .where('user_id', '=', userId)
      // Expired rows not yet swept are still held, so they are part of the export too.
      .orderBy('created_at')
      .execute();
    return {
      account: {
        id: user.id,
        username: user.username,
        role: user.role,
        createdAt: isoTime(user.created_at),
        origin: user.origin,
      },
      sessions: sessions.map((session) => ({
        createdAt: isoTime(session.created_at),
        expiresAt: isoTime(session.expires_at),
      })),
      keptRooms: await new KeptRoomStore(this.db, this.now).exportFor(userId),
    };
  }

  /** `of` by username (for the command line). */
  async ofUsername(username: string): Promise<AccountData | null> {
    const parsed = Username.safeParse(username);
    if (!parsed.success) return null;
    const user = await this.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', parsed.data)
      .executeTakeFirst();
    return user === undefined ? null : this.of(user.id);
  }
}

function isoTime(epochMillis: number | string): string {
  return new Date(Number(epochMillis)).toISOString();
}

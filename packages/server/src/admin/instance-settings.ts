import { MeetingStarters, type InstanceSettings as Settings } from '@parley/protocol';
import type { Database } from '../store/database.js';

/** What a fresh instance does: every signed-in account may start a meeting (as before /admin existed). */
export const DEFAULT_INSTANCE_SETTINGS: Settings = { meetingStarters: 'everyone' };

/** The row name of each setting in the `instance_settings` table. */
const MEETING_STARTERS = 'meeting_starters';

/**
 * The settings of the whole instance an administrator changes on /admin, kept in the database so
 * they survive restarts and every node of a cluster reads the same. Read from the database each time
 * (one indexed row, once per signaling connection), so a change applies at once everywhere.
 */
export class InstanceSettingsStore {
  constructor(private readonly db: Database) {}

  async get(): Promise<Settings> {
    const row = await this.db
      .selectFrom('instance_settings')
      .select('value')
      .where('name', '=', MEETING_STARTERS)
      .executeTakeFirst();
    // A value this version does not know (written by a newer one, or by hand) falls back to the default.
    const starters = MeetingStarters.safeParse(row?.value);
    return { meetingStarters: starters.success ? starters.data : DEFAULT_INSTANCE_SETTINGS.meetingStarters };
  }

  async set(settings: Settings): Promise<void> {
    await this.db
      .insertInto('instance_settings')
      .values({ name: MEETING_STARTERS, value: settings.meetingStarters })
      .onConflict((conflict) => conflict.column('name').doUpdateSet({ value: settings.meetingStarters }))
      .execute();
  }

  /** Whether an account with this role may open a meeting that is not running yet. */
  async mayStartMeetings(role: 'admin' | 'user'): Promise<boolean> {
    if (role === 'admin') return true;
    return (await this.get()).meetingStarters === 'everyone';
  }
}

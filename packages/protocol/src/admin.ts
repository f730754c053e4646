import { z } from 'zod';
import { AccountRole, Password, Username } from './http.js';

/** Shapes of the administrators' JSON API behind /admin (server: packages/server/src/admin). */

/** One account as /api/admin/users lists it: never a password hash, never a session. */
export const AdminAccount = z.object({
  username: z.string(),
  role: AccountRole,
  /** ISO 8601. */
  createdAt: z.string(),
});
export type AdminAccount = z.infer<typeof AdminAccount>;

/** GET /api/admin/users */
export const AdminAccountList = z.object({ users: z.array(AdminAccount) });
export type AdminAccountList = z.infer<typeof AdminAccountList>;

/** POST /api/admin/users */
export const AdminCreateAccount = z.strictObject({
  username: Username,
  password: Password,
  role: AccountRole,
});
export type AdminCreateAccount = z.infer<typeof AdminCreateAccount>;

/** PATCH /api/admin/users/:username */
export const AdminChangeRole = z.strictObject({ role: AccountRole });
export type AdminChangeRole = z.infer<typeof AdminChangeRole>;

/** Who may open (start) a meeting: every signed-in account, or administrators only. */
export const MeetingStarters = z.enum(['everyone', 'admins']);
export type MeetingStarters = z.infer<typeof MeetingStarters>;

/** GET and PUT /api/admin/settings: the instance's settings an administrator may change at run time. */
export const InstanceSettings = z.strictObject({ meetingStarters: MeetingStarters });
export type InstanceSettings = z.infer<typeof InstanceSettings>;

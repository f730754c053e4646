import { z } from 'zod';

/** Shapes of the small JSON HTTP API the web app uses (accounts and session). */

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(USERNAME_PATTERN, 'A username has 1–32 characters: lowercase letters, digits, ".", "_" and "-".');

export const MIN_PASSWORD_LENGTH = 8;
export const Password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `A password has at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(1024);

export const AccountRole = z.enum(['admin', 'user']);
export type AccountRole = z.infer<typeof AccountRole>;

export const Credentials = z.object({ username: Username, password: Password });
export type Credentials = z.infer<typeof Credentials>;

/**
 * POST /api/login. The password is only checked here, never set, so any non-empty one up to the cap
 * is taken: a directory's (LDAP) accounts may have shorter passwords than Parley asks for its own.
 */
export const LoginRequest = z.object({
  username: Username,
  password: z.string().min(1, 'Enter your password.').max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/**
 * POST /api/setup: the first administrator's credentials and the one-time setup token Parley printed
 * when it started (or PARLEY_SETUP_TOKEN), so that nobody else who reaches /setup first takes over.
 */
export const SetupRequest = Credentials.extend({
  setupToken: z
    .string({ error: 'Enter the setup token Parley printed when it started.' })
    .trim()
    .min(1, 'Enter the setup token Parley printed when it started.')
    .max(256),
});
export type SetupRequest = z.infer<typeof SetupRequest>;

/** GET /api/session */
export const SessionInfo = z.object({
  user: z.object({ username: z.string(), role: AccountRole }).nullable(),
  /** true while no account exists: /setup creates the first administrator. */
  setupNeeded: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** Body of every non-2xx JSON answer. */
export const ApiError = z.object({ error: z.string(), message: z.string() });
export type ApiError = z.infer<typeof ApiError>;

import { z } from 'zod';

/** Machine-readable error codes; every error also carries a human-readable message. */
export const ErrorCode = z.enum([
  'bad-request',
  'too-large',
  'unsupported-version',
  'invalid-room-name',
  'invalid-display-name',
  'already-joined',
  'not-joined',
  'negotiation-failed',
  'rate-limited',
  'room-closed',
  'internal',
  /** The room has a password and none was given: ask the person for it. */
  'password-required',
  'wrong-password',
  /** The meeting is locked: nobody new gets in. */
  'locked',
  /** An invitation link that is expired, altered, revoked or already used. */
  'invalid-invitation',
  /** A moderator turned the knocking guest away. */
  'denied',
  /** Only moderators may do this. */
  'forbidden',
  /** The participant, lobby entry or chat message named does not exist (any more). */
  'not-found',
  /** The last moderator cannot be demoted. */
  'last-moderator',
  /** Hard-muted: a moderator must allow unmuting first. */
  'unmute-not-allowed',
  /** The meeting is end-to-end encrypted and this browser cannot take part in it. */
  'e2ee-unsupported',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorInfo = z.object({
  code: ErrorCode,
  message: z.string(),
  /** For `rate-limited` (and throttled passwords): seconds before trying again is worthwhile. */
  retryAfterSeconds: z.number().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

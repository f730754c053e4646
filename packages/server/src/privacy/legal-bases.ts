/**
 * Words the data inventory uses again and again (legal bases, retention periods), shared by
 * privacy/inventory.ts and the modules that define their in-memory stores (defineStore).
 */

/** Figures the retention texts depend on, taken from the running configuration. */
export interface RetentionFacts {
  ipRetentionSeconds: number;
  sessionLifetimeDays: number;
  /** Kept rooms nobody opened for this many days are deleted (PARLEY_KEPT_ROOM_DAYS); default 180. */
  keptRoomDays?: number;
}

/** A retention text, or one filled in from the running configuration. */
export type Text = string | ((facts: RetentionFacts) => string);

// Legal bases, worded once.
export const CONTRACT =
  'GDPR Art. 6(1)(b): needed to provide the service the person uses (their account, the meeting they take part in).';
export const SECURITY =
  'GDPR Art. 6(1)(f): legitimate interest in keeping the service secure and available (Recital 49).';
export const NECESSARY_STORAGE =
  'GDPR Art. 6(1)(b); stored on the device because the person asked for it (ePrivacy Directive Art. 5(3): strictly necessary).';
export const NOT_PERSONAL = 'Not personal data.';

export const ACCOUNT_LIFE = 'Until the account is deleted (by its owner on /privacy, or by the operator).';
export const MEETING_LIFE =
  'Until the meeting ends (a moderator ends it, or the last resume token expires, at most 10 minutes after the last person left); never written to disk.';
export const SESSION_LIFE = (facts: RetentionFacts) =>
  `Until sign-out, account deletion or ${facts.sessionLifetimeDays} days after sign-in, whichever comes first; expired rows are deleted within the hour.`;
export const KEPT_ROOM_LIFE = (facts: RetentionFacts) =>
  `Until its owner deletes the kept room or the account, or until nobody opened it for ${facts.keptRoomDays ?? 180} days (PARLEY_KEPT_ROOM_DAYS; checked hourly), whichever comes first.`;
export const SCHEDULE_LIFE = (facts: RetentionFacts) =>
  `Until its owner changes or clears it, or the kept room goes (${KEPT_ROOM_LIFE(facts)}); once the meeting is over it is no longer shown to anyone.`;
export const KEY_LIFE = (facts: RetentionFacts) =>
  `At most ${facts.ipRetentionSeconds} seconds (PARLEY_IP_RETENTION_S): then the hashing key is replaced and everything kept under the old one is dropped.`;

import type { AccountData } from './account-export.js';

/** The document a person downloads about themselves (web app and `user export` alike). */
export interface DataExport extends AccountData {
  exportedAt: string;
  /** What else exists about the person, and why it is not in this file. */
  notes: string[];
}

export const EXPORT_NOTES: readonly string[] = [
  'Password and session tokens are kept only as hashes; they are left out because they reveal nothing to you and could help an attacker.',
  'keptRooms lists the rooms you keep with their settings and next scheduled start; a default room password is kept only as a hash and left out. They are deleted with your account, or when nobody opened them for the time the operator set (see /privacy).',
  'Meetings, display names, chat messages and room passwords live only in the server’s memory while a meeting runs; nothing of them is written down, so there is nothing more to export.',
  'Your browser keeps your last display name (parley.displayName) and a client key (parley.clientKey) in its own storage; clear them in your browser settings.',
  'The full list of what Parley keeps, why and for how long: /privacy.',
];

export function dataExport(data: AccountData, now: Date): DataExport {
  return { exportedAt: now.toISOString(), ...data, notes: [...EXPORT_NOTES] };
}

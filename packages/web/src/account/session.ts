import type { SessionInfo } from '@parley/protocol';
import { Store } from '../state/store';
import { fetchSession } from './api';

/** What the app knows about the browser's account session. */
export type SessionState =
  | { status: 'loading' }
  | { status: 'ready'; info: SessionInfo }
  | { status: 'unreachable' };

export const session = new Store<SessionState>({ status: 'loading' });

/** Asks the server again, e.g. after signing in or out. */
export async function refreshSession(): Promise<void> {
  try {
    session.set({ status: 'ready', info: await fetchSession() });
  } catch {
    session.set({ status: 'unreachable' });
  }
}

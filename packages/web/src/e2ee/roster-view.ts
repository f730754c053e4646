import type { Store } from '../state/store';
import type { E2eeAlarm, E2eeHost, E2eeState } from './e2ee-state';

/** Alarms that concern who holds the keys (the `e2ee-roster-mismatch` banner). */
const ROSTER_KINDS: ReadonlySet<E2eeAlarm['kind']> = new Set([
  'duplicate',
  'not-present',
  'removed-present',
  'rekey-overdue',
]);

/**
 * Who is in the meeting as E2EE sees it: the ids present now, the names of everyone seen (alarms may
 * name people no longer here), and the alarms raised about the group's roster, one per kind.
 */
export class RosterView {
  /** Names of participants seen in this meeting, for alarms about ids no longer present. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly host: Pick<E2eeHost, 'self' | 'participants'>,
    private readonly state: Store<E2eeState>,
  ) {}

  nameOf(id: string): string {
    return this.host.participants().find((p) => p.id === id)?.displayName ?? this.names.get(id) ?? id;
  }

  remember(): void {
    const self = this.host.self();
    if (self) this.names.set(self.id, self.displayName);
    for (const p of this.host.participants()) this.names.set(p.id, p.displayName);
  }

  presentIds(): Set<string> {
    const self = this.host.self();
    return new Set([...(self ? [self.id] : []), ...this.host.participants().map((p) => p.id)]);
  }

  raise(alarm: E2eeAlarm): void {
    const alarms = [...this.state.get().alarms.filter((a) => a.kind !== alarm.kind), alarm];
    this.patch({ alarms });
    this.updateMismatch();
  }

  clear(kind: E2eeAlarm['kind']): void {
    if (this.state.get().alarms.some((a) => a.kind === kind)) this.dismiss(kind);
  }

  dismiss(kind: E2eeAlarm['kind']): void {
    this.patch({ alarms: this.state.get().alarms.filter((alarm) => alarm.kind !== kind) });
    this.updateMismatch();
  }

  private updateMismatch(): void {
    const mismatch = this.state.get().alarms.some((a) => ROSTER_KINDS.has(a.kind));
    if (mismatch !== this.state.get().rosterMismatch) this.patch({ rosterMismatch: mismatch });
  }

  private patch(change: Partial<E2eeState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }
}

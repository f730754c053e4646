/**
 * Counting one poll's votes on this client (docs/e2ee.md, _Polls_): one vote per member, the last
 * one counts; votes from non-members, with options out of range, repeated options, or several
 * options on a single-choice poll are ignored. Pure: no transport, no time.
 */
export class Tally {
  private readonly votes = new Map<string, readonly number[]>();

  constructor(
    readonly optionCount: number,
    readonly multiple: boolean,
  ) {}

  /** The choices as counted, or null when the vote is not valid for this poll. */
  static valid(choices: readonly number[], optionCount: number, multiple: boolean): number[] | null {
    if (choices.length === 0 || (!multiple && choices.length !== 1)) return null;
    if (new Set(choices).size !== choices.length) return null;
    if (!choices.every((c) => Number.isInteger(c) && c >= 0 && c < optionCount)) return null;
    return [...choices].sort((a, b) => a - b);
  }

  /** Records `member`'s vote, replacing an earlier one. Returns whether it counted. */
  vote(member: string, choices: readonly number[], isMember: (id: string) => boolean): boolean {
    if (!isMember(member)) return false;
    const valid = Tally.valid(choices, this.optionCount, this.multiple);
    if (!valid) return false;
    this.votes.set(member, valid);
    return true;
  }

  /** Votes per option. */
  counts(): number[] {
    const counts = new Array<number>(this.optionCount).fill(0);
    for (const choices of this.votes.values()) for (const c of choices) counts[c] = (counts[c] ?? 0) + 1;
    return counts;
  }

  /** How many members voted. */
  get voters(): number {
    return this.votes.size;
  }
}

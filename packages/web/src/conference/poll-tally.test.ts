import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tally } from './poll-tally';

const everyone = () => true;

describe('poll tally', () => {
  it('counts one vote per member, the last one counts', () => {
    const tally = new Tally(3, false);
    expect(tally.vote('ann', [0], everyone)).toBe(true);
    expect(tally.vote('ben', [0], everyone)).toBe(true);
    expect(tally.vote('ann', [2], everyone)).toBe(true);
    expect(tally.counts()).toEqual([1, 0, 1]);
    expect(tally.voters).toBe(2);
  });

  it('ignores non-members, out-of-range options, repeats and several options on single choice', () => {
    const tally = new Tally(3, false);
    expect(tally.vote('mallory', [0], (id) => id !== 'mallory')).toBe(false);
    expect(tally.vote('ann', [3], everyone)).toBe(false);
    expect(tally.vote('ann', [-1], everyone)).toBe(false);
    expect(tally.vote('ann', [0.5], everyone)).toBe(false);
    expect(tally.vote('ann', [0, 1], everyone)).toBe(false);
    expect(tally.vote('ann', [], everyone)).toBe(false);
    expect(tally.counts()).toEqual([0, 0, 0]);
    const multi = new Tally(3, true);
    expect(multi.vote('ann', [1, 1], everyone)).toBe(false);
    expect(multi.vote('ann', [2, 0], everyone)).toBe(true);
    expect(multi.counts()).toEqual([1, 0, 1]);
    // An invalid later vote leaves the earlier one standing.
    expect(multi.vote('ann', [7], everyone)).toBe(false);
    expect(multi.counts()).toEqual([1, 0, 1]);
  });

  it('equals counting each member’s last valid vote (property)', () => {
    const vote = fc.record({
      member: fc.constantFrom('a', 'b', 'c', 'd', 'outsider'),
      choices: fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.boolean(),
        fc.array(vote, { maxLength: 40 }),
        (n, multiple, votes) => {
          const isMember = (id: string) => id !== 'outsider';
          const tally = new Tally(n, multiple);
          for (const v of votes) tally.vote(v.member, v.choices, isMember);
          // The model: the last valid vote of each member.
          const last = new Map<string, number[]>();
          for (const v of votes) {
            const valid =
              isMember(v.member) &&
              v.choices.length > 0 &&
              (multiple || v.choices.length === 1) &&
              new Set(v.choices).size === v.choices.length &&
              v.choices.every((c) => c >= 0 && c < n);
            if (valid) last.set(v.member, v.choices);
          }
          const expected = new Array<number>(n).fill(0);
          for (const choices of last.values()) for (const c of choices) expected[c] = (expected[c] ?? 0) + 1;
          expect(tally.counts()).toEqual(expected);
          expect(tally.voters).toBe(last.size);
          // Nobody counts twice on one option; total never exceeds voters × options.
          for (const count of tally.counts()) expect(count).toBeLessThanOrEqual(last.size);
        },
      ),
    );
  });
});

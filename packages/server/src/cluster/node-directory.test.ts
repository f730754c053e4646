import { describe, expect, it } from 'vitest';
import { leastLoaded, type NodeInfo } from './node-directory.js';

const node = (id: string, participants: number, meetings: number, draining = false): NodeInfo => ({
  id,
  url: `http://${id}:3000`,
  participants,
  meetings,
  draining,
});

describe('leastLoaded', () => {
  it('picks the node with the fewest participants, then meetings, this node on a tie', () => {
    expect(leastLoaded([node('a', 5, 1), node('b', 2, 3), node('c', 4, 0)], 'a')?.id).toBe('b');
    expect(leastLoaded([node('a', 2, 2), node('b', 2, 1)], 'a')?.id).toBe('b');
    expect(leastLoaded([node('b', 2, 1), node('a', 2, 1)], 'a')?.id).toBe('a');
  });

  it('never picks a draining node, and finds none when all drain', () => {
    expect(leastLoaded([node('a', 9, 3), node('b', 0, 0, true)], 'a')?.id).toBe('a');
    expect(leastLoaded([node('a', 0, 0, true)], 'a')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { type ArrangeInput, arrangeTiles } from './arrange';

const base: ArrangeInput = {
  ids: ['me', 'a', 'b', 'c'],
  selfId: 'me',
  hideSelf: false,
  mode: 'grid',
  pinned: null,
  speaker: null,
  screens: 0,
};

describe('arrangeTiles', () => {
  it('puts everyone in one grid by default', () => {
    expect(arrangeTiles(base)).toEqual({ featured: null, rest: ['me', 'a', 'b', 'c'] });
  });

  it('features the speaker in speaker view, someone else when the speaker is oneself', () => {
    expect(arrangeTiles({ ...base, mode: 'speaker', speaker: 'b' })).toEqual({
      featured: 'b',
      rest: ['me', 'a', 'c'],
    });
    expect(arrangeTiles({ ...base, mode: 'speaker', speaker: 'me' }).featured).toBe('a');
    expect(arrangeTiles({ ...base, ids: ['me'], mode: 'speaker' }).featured).toBeNull();
  });

  it('features a pinned participant in any mode, but a screen share wins the stage', () => {
    expect(arrangeTiles({ ...base, pinned: 'c' }).featured).toBe('c');
    expect(arrangeTiles({ ...base, pinned: 'gone' }).featured).toBeNull();
    expect(arrangeTiles({ ...base, pinned: 'c', screens: 1 })).toEqual({
      featured: null,
      rest: ['me', 'a', 'b', 'c'],
    });
  });

  it('can hide one’s own tile', () => {
    expect(arrangeTiles({ ...base, hideSelf: true }).rest).toEqual(['a', 'b', 'c']);
    expect(arrangeTiles({ ...base, hideSelf: true, pinned: 'me' }).featured).toBeNull();
  });
});

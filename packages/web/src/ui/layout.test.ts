import { describe, expect, it } from 'vitest';
import { bestGrid } from './grid-layout';
import { avatarHue, initials } from './initials';

describe('bestGrid', () => {
  it('puts two tiles side by side on a wide screen and stacked on a tall one', () => {
    expect(bestGrid(2, 1600, 900)).toEqual({ columns: 2, rows: 1 });
    expect(bestGrid(2, 400, 900)).toEqual({ columns: 1, rows: 2 });
  });

  it('uses a near-square grid for many tiles on a 16:9 area', () => {
    expect(bestGrid(9, 1600, 900)).toEqual({ columns: 3, rows: 3 });
    expect(bestGrid(1, 1600, 900)).toEqual({ columns: 1, rows: 1 });
  });

  it('copes with an area of unknown size', () => {
    expect(bestGrid(5, 0, 0)).toEqual({ columns: 3, rows: 2 });
    expect(bestGrid(0, 100, 100)).toEqual({ columns: 1, rows: 1 });
  });
});

describe('initials', () => {
  it('takes the first letters of the first and last word', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  grace  brewster murray hopper ')).toBe('GH');
    expect(initials('Émile')).toBe('É');
    expect(initials('')).toBe('?');
  });

  it('keeps a character made of two code units whole', () => {
    expect(initials('🦊 Fox')).toBe('🦊F');
  });

  it('gives the same name the same colour', () => {
    expect(avatarHue('Ada')).toBe(avatarHue('Ada'));
    expect(avatarHue('Ada')).toBeGreaterThanOrEqual(0);
    expect(avatarHue('Ada')).toBeLessThan(360);
  });
});

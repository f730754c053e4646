import { describe, expect, it } from 'vitest';
import { newArrivals } from './lobby';

const entry = (id: string) => ({ id, displayName: `Guest ${id}` });

describe('newArrivals', () => {
  it('names only the people who were not knocking before', () => {
    expect(newArrivals([], [entry('a')])).toEqual([entry('a')]);
    expect(newArrivals([entry('a')], [entry('a'), entry('b'), entry('c')])).toEqual([entry('b'), entry('c')]);
  });

  it('finds nobody new when people leave the queue', () => {
    expect(newArrivals([entry('a'), entry('b')], [entry('b')])).toEqual([]);
    expect(newArrivals([entry('a')], [])).toEqual([]);
  });
});

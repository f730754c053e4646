import { describe, expect, it } from 'vitest';
import { inventoryEntries } from './inventory';

describe('inventoryEntries', () => {
  it('finds the list inside the answer and keeps text fields', () => {
    const body = {
      version: 1,
      items: [
        {
          what: 'Username',
          why: 'Sign-in',
          retention: 'Until deleted',
          where: ['database'],
          nested: { x: 1 },
        },
      ],
    };
    expect(inventoryEntries(body)).toEqual([
      { what: 'Username', why: 'Sign-in', retention: 'Until deleted', where: 'database' },
    ]);
  });

  it('accepts a bare list and ignores what it cannot show', () => {
    expect(inventoryEntries([{ name: 'IP address' }, 'junk', { nested: {} }])).toEqual([
      { name: 'IP address' },
    ]);
    expect(inventoryEntries(null)).toEqual([]);
    expect(inventoryEntries({ none: 1 })).toEqual([]);
  });
});

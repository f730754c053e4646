import { describe, expect, it } from 'vitest';
import { itemsByPlace, parseStatement } from './inventory';

const item = {
  id: 'users.username',
  place: 'database',
  table: 'users',
  column: 'username',
  name: 'Username',
  data: 'The name one signs in with.',
  purpose: 'Signing in.',
  legalBasis: 'GDPR Art. 6(1)(b).',
  retention: 'Until the account is deleted.',
  personal: true,
};

describe('parseStatement', () => {
  it('reads the controller, the retention and well-formed items', () => {
    const statement = parseStatement({
      controller: { name: 'Example Association', contact: null },
      ipRetentionSeconds: 600,
      items: [
        item,
        { ...item, id: 'db', place: 'data-directory', table: undefined, files: ['parley.sqlite', 3] },
      ],
    });
    expect(statement).toEqual({
      controller: { name: 'Example Association', contact: null },
      ipRetentionSeconds: 600,
      items: [
        {
          id: 'users.username',
          place: 'database',
          column: 'users.username',
          name: 'Username',
          data: 'The name one signs in with.',
          purpose: 'Signing in.',
          legalBasis: 'GDPR Art. 6(1)(b).',
          retention: 'Until the account is deleted.',
          personal: true,
        },
        expect.objectContaining({ id: 'db', place: 'data-directory', files: ['parley.sqlite'] }),
      ],
    });
  });

  it('skips items it cannot show and files unknown places under "elsewhere"', () => {
    const statement = parseStatement({
      items: [{ ...item, purpose: '' }, 'junk', { ...item, id: 'x', place: 'moon' }],
    });
    expect(statement?.controller).toEqual({ name: null, contact: null });
    expect(statement?.items.map((entry) => [entry.id, entry.place])).toEqual([['x', 'elsewhere']]);
  });

  it('refuses answers that are not a statement', () => {
    expect(parseStatement(null)).toBeNull();
    expect(parseStatement([item])).toBeNull();
    expect(parseStatement({ items: 'none' })).toBeNull();
  });
});

describe('itemsByPlace', () => {
  it('groups in a fixed order and leaves out empty places', () => {
    const memory = { ...item, id: 'm', place: 'memory' as const, column: undefined };
    const cookie = { ...item, id: 'c', place: 'cookie' as const, column: undefined };
    const database = { ...item, place: 'database' as const };
    expect(itemsByPlace([cookie, memory, database]).map(([place, group]) => [place, group.length])).toEqual([
      ['database', 1],
      ['memory', 1],
      ['cookie', 1],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { en } from './en';
import { t } from './index';
import { formatMessage } from './translate';

describe('formatMessage', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(formatMessage('en', 'Join {room} as {name}', { room: 'abc', name: 'Ada' })).toBe(
      'Join abc as Ada',
    );
    expect(formatMessage('en', 'Hello {who}')).toBe('Hello {who}');
  });

  it('does not interpret placeholders inside values', () => {
    expect(formatMessage('en', '{a} and {b}', { a: '{b}', b: 'x' })).toBe('{b} and x');
  });

  it('picks the plural form from count', () => {
    const forms = { one: '{count} person', other: '{count} people' };
    expect(formatMessage('en', forms, { count: 1 })).toBe('1 person');
    expect(formatMessage('en', forms, { count: 3 })).toBe('3 people');
    expect(formatMessage('en', forms)).toBe('{count} people');
  });
});

describe('t', () => {
  it('reads the English catalogue', () => {
    expect(t('prejoin.title', { room: 'weekly' })).toBe('Join weekly');
    expect(t('meeting.participantCount', { count: 1 })).toBe('1 participant');
    expect(t('meeting.participantCount', { count: 2 })).toBe('2 participants');
  });

  it('has no empty messages', () => {
    for (const [key, message] of Object.entries(en)) {
      const texts = typeof message === 'string' ? [message] : Object.values(message);
      for (const text of texts) expect(text.trim(), key).not.toBe('');
    }
  });
});

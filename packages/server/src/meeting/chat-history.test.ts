import type { ChatMessage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { ChatHistory, MAX_HISTORY } from './chat-history.js';
import { ChatRate } from './chat-rate.js';
import { MAX_SENT, SentMessages } from './sent-messages.js';

const message = (id: string, to: string | null = null): ChatMessage => ({
  id,
  from: 'p1',
  fromName: 'Pia',
  to,
  text: `text ${id}`,
  sentAt: 0,
});

describe('ChatHistory', () => {
  it('keeps nothing while off, and only public messages while on', () => {
    const history = new ChatHistory();
    history.add(message('m1'));
    expect(history.size).toBe(0);
    history.setEnabled(true);
    history.add(message('m2'));
    history.add(message('m3', 'p2'));
    expect(history.earlier().map((m) => m.id)).toEqual(['m2']);
  });

  it('forgets deleted messages, everything on clear, and everything when switched off', () => {
    const history = new ChatHistory();
    history.setEnabled(true);
    for (const id of ['a', 'b', 'c']) history.add(message(id));
    history.delete('b');
    expect(history.earlier().map((m) => m.id)).toEqual(['a', 'c']);
    history.clear();
    expect(history.size).toBe(0);
    history.add(message('d'));
    history.setEnabled(false);
    expect(history.size).toBe(0);
    expect(history.earlier()).toEqual([]);
  });

  it('keeps at most MAX_HISTORY messages, dropping the oldest', () => {
    const history = new ChatHistory();
    history.setEnabled(true);
    for (let i = 0; i <= MAX_HISTORY; i++) history.add(message(`m${i}`));
    expect(history.size).toBe(MAX_HISTORY);
    expect(history.earlier()[0]?.id).toBe('m1');
  });
});

describe('SentMessages', () => {
  it('remembers author and recipient of each message, bounded', () => {
    const sent = new SentMessages();
    sent.add('m0', { from: 'p1', to: null });
    sent.add('m1', { from: 'p1', to: 'p2' });
    expect(sent.get('m1')).toEqual({ from: 'p1', to: 'p2' });
    sent.delete('m1');
    expect(sent.get('m1')).toBeUndefined();
    for (let i = 1; i <= MAX_SENT; i++) sent.add(`n${i}`, { from: 'p1', to: null });
    expect(sent.get('m0')).toBeUndefined();
    expect(sent.get('n1')).toBeDefined();
    sent.clear();
    expect(sent.get('n1')).toBeUndefined();
  });
});

describe('ChatRate', () => {
  it('allows a burst, then refills at the average rate and says how long to wait', () => {
    let now = 0;
    const rate = new ChatRate(2.5, 10, () => now);
    for (let i = 0; i < 10; i++) expect(rate.take()).toBe(0);
    expect(rate.take()).toBe(1);
    now += 400; // one token back
    expect(rate.take()).toBe(0);
    expect(rate.take()).toBeGreaterThan(0);
    now += 2000; // five tokens
    for (let i = 0; i < 5; i++) expect(rate.take()).toBe(0);
    expect(rate.take()).toBeGreaterThan(0);
  });
});

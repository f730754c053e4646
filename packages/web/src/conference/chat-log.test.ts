import type { ChatMessage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import {
  addMessage,
  chatFromHistory,
  chatTextProblem,
  EMPTY_CHAT,
  MAX_KEPT_MESSAGES,
  markRead,
  removeMessage,
} from './chat-log';

const message = (id: string, from = 'other', to: string | null = null): ChatMessage => ({
  id,
  from,
  fromName: from === 'me' ? 'Me' : 'Other',
  to,
  text: `text ${id}`,
  sentAt: 1_700_000_000_000,
});
const closed = { panelOpen: false, selfId: 'me' };
const open = { panelOpen: true, selfId: 'me' };

describe('chat log', () => {
  it('counts messages from others as unread while the panel is closed', () => {
    let log = addMessage(EMPTY_CHAT, message('a'), closed);
    log = addMessage(log, message('b', 'me'), closed);
    log = addMessage(log, message('c'), open);
    expect(log.messages.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(log.unread).toEqual(['a']);
    expect(markRead(log).unread).toEqual([]);
  });

  it('keeps one copy of a message that arrives twice', () => {
    const once = addMessage(EMPTY_CHAT, message('a'), closed);
    const twice = addMessage(once, { ...message('a'), text: 'echo' }, closed);
    expect(twice).toBe(once);
    expect(twice.unread).toEqual(['a']);
  });

  it('takes the unread mark along when a message is deleted', () => {
    let log = addMessage(EMPTY_CHAT, message('a'), closed);
    log = addMessage(log, message('b'), closed);
    log = removeMessage(log, 'a');
    expect(log.messages.map((m) => m.id)).toEqual(['b']);
    expect(log.unread).toEqual(['b']);
    expect(removeMessage(log, 'missing')).toBe(log);
  });

  it('drops the oldest messages past the limit, with their unread marks', () => {
    let log = EMPTY_CHAT;
    for (let i = 0; i <= MAX_KEPT_MESSAGES; i++) log = addMessage(log, message(`m${i}`), closed);
    expect(log.messages).toHaveLength(MAX_KEPT_MESSAGES);
    expect(log.messages[0]?.id).toBe('m1');
    expect(log.unread).toHaveLength(MAX_KEPT_MESSAGES);
    expect(log.unread).not.toContain('m0');
  });

  it('shows history to a late joiner without counting it as unread', () => {
    const log = chatFromHistory([message('a'), message('b')]);
    expect(log.messages).toHaveLength(2);
    expect(log.unread).toEqual([]);
  });
});

describe('chatTextProblem', () => {
  it('refuses empty text and text over 4096 bytes of UTF-8', () => {
    expect(chatTextProblem('  \n ')).toBe('empty');
    expect(chatTextProblem('hello')).toBeNull();
    expect(chatTextProblem('a'.repeat(4096))).toBeNull();
    expect(chatTextProblem('a'.repeat(4097))).toBe('too-long');
    // "ä" takes two bytes: 2049 of them exceed the limit although they are fewer than 4096 characters.
    expect(chatTextProblem('ä'.repeat(2048))).toBeNull();
    expect(chatTextProblem('ä'.repeat(2049))).toBe('too-long');
  });
});

// Privacy: keeps public chat messages (text, author's display name and id, time), in memory only and
// only while a moderator has "history for late joiners" on, until a message is deleted, the chat is
// cleared, history is switched off or the meeting ends. At most MAX_HISTORY messages.
import type { ChatMessage } from '@parley/protocol';
import { CONTRACT } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const CHAT_HISTORY_STORE = defineStore({
  id: 'chat-history',
  name: 'Chat history',
  data: 'Messages to everyone (text, author’s participant id and display name, time), only while a moderator has “history for late joiners” switched on. Otherwise messages are relayed at once and not kept; private messages are never kept.',
  purpose: 'Showing a meeting’s earlier messages to people who join later, when a moderator asks for it.',
  legalBasis: CONTRACT,
  retention:
    'Until the author or a moderator deletes the message, a moderator clears the chat or switches history off, or the meeting ends (at most the latest 500 messages). Never written to disk or logs.',
  personal: true,
});

export const MAX_HISTORY = 500;

/** A meeting's public chat messages for people who join later, when the moderators want that. */
export class ChatHistory {
  private enabledFlag = false;
  private readonly messages: ChatMessage[] = [];

  get enabled(): boolean {
    return this.enabledFlag;
  }

  /** Switching history off forgets every message kept so far. */
  setEnabled(enabled: boolean): void {
    this.enabledFlag = enabled;
    if (!enabled) this.clear();
  }

  /** Keeps a public message while history is on; private messages are never kept. */
  add(message: ChatMessage): void {
    if (!this.enabledFlag || message.to !== null) return;
    this.messages.push(message);
    if (this.messages.length > MAX_HISTORY) this.messages.shift();
  }

  delete(messageId: string): void {
    const index = this.messages.findIndex((m) => m.id === messageId);
    if (index >= 0) this.messages.splice(index, 1);
  }

  clear(): void {
    this.messages.length = 0;
  }

  /** What a late joiner receives: nothing unless history is on. */
  earlier(): ChatMessage[] {
    return this.enabledFlag ? [...this.messages] : [];
  }

  get size(): number {
    return this.messages.length;
  }
}

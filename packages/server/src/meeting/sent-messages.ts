import { CONTRACT } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const CHAT_SENDERS_STORE = defineStore({
  id: 'chat-senders',
  name: 'Who sent which chat message',
  data: 'For each chat message: its random id, its author’s participant id and, for a private message, its recipient’s. Never the text.',
  purpose: 'Letting authors and moderators delete a message on exactly the screens that show it.',
  legalBasis: CONTRACT,
  retention: 'Until the chat is cleared or the meeting ends (at most the latest 2000 messages).',
  personal: true,
});
// Privacy: keeps, for each chat message sent in a meeting, its random id, its author's participant id
// and its recipient's (private messages) — never the text — in memory, until the chat is cleared or
// the meeting ends. At most MAX_SENT entries (the oldest go first).

export const MAX_SENT = 2000;

export interface SentMessage {
  from: string;
  /** null: to everyone. */
  to: string | null;
}

/**
 * Who sent each chat message to whom, so a deletion can be checked (own message, or moderator) and
 * reaches exactly the screens that show the message, without keeping any text.
 */
export class SentMessages {
  private readonly byId = new Map<string, SentMessage>();

  add(messageId: string, sent: SentMessage): void {
    this.byId.set(messageId, sent);
    if (this.byId.size > MAX_SENT) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.byId.delete(oldest);
    }
  }

  get(messageId: string): SentMessage | undefined {
    return this.byId.get(messageId);
  }

  delete(messageId: string): void {
    this.byId.delete(messageId);
  }

  clear(): void {
    this.byId.clear();
  }
}

import { declareStore } from '../privacy/memory-stores.js';

declareStore('chat-senders');
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

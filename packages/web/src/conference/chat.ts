import type { ChatMessage, EventOf, ParticipantId } from '@parley/protocol';
import { Store } from '../state/store';
import {
  addMessage,
  type ChatLog,
  chatFromHistory,
  EMPTY_CHAT,
  type LoggedChatMessage,
  markRead,
  removeMessage,
} from './chat-log';
import type { Requester } from './signaling';

/** Sends one chat message end-to-end encrypted; resolves with the server's message id. */
export type EncryptedSend = (text: string, to: ParticipantId | null) => Promise<{ messageId: string }>;

/**
 * The meeting's chat on this page: relays through the server, keeps messages in memory only (gone
 * when the page closes) and counts what arrived while the panel was closed.
 */
export class Chat {
  readonly log = new Store<ChatLog>(EMPTY_CHAT);
  private panelOpen = false;
  /** While end-to-end encryption is on: sends a message encrypted instead of in the clear. */
  private encrypted: () => EncryptedSend | null = () => null;

  constructor(
    private readonly request: Requester,
    /** Our own participant, once joined: the author of what we send. */
    private readonly self: () => { id: string; displayName: string } | null,
    /** Called for each message from someone else that arrives while the panel is closed. */
    private readonly onUnseen: (message: ChatMessage) => void,
  ) {}

  /** The panel was opened or closed; opening marks everything read. */
  setPanelOpen(open: boolean): void {
    this.panelOpen = open;
    if (open) this.log.update(markRead);
  }

  /** Sends to everyone, or privately to `to`. Rejects with the server's error (too long, rate-limited…). */
  async send(text: string, to: ParticipantId | null): Promise<void> {
    const trimmed = text.trim();
    const encrypted = this.encrypted();
    const { messageId } = encrypted
      ? await encrypted(trimmed, to)
      : await this.request('chat-send', to ? { text: trimmed, to } : { text: trimmed });
    const self = this.self();
    if (!self) return;
    // The server may also echo it as an event; addMessage keeps only one of the two.
    this.received({
      id: messageId,
      from: self.id,
      fromName: self.displayName,
      to,
      text: trimmed,
      sentAt: Date.now(),
      encrypted: encrypted !== null,
    });
  }

  /** A message that arrived end-to-end encrypted (its author authenticated by MLS). */
  receivedEncrypted(message: ChatMessage): void {
    this.received({ ...message, encrypted: true });
  }

  /** Chooses, per message, between encrypted sending (E2EE on) and the clear relay. */
  encryptWith(choose: () => EncryptedSend | null): void {
    this.encrypted = choose;
  }

  /** Deletes one message (one's own, or any as a moderator) on every screen. */
  async delete(messageId: string): Promise<void> {
    await this.request('chat-delete', { messageId });
    this.log.update((log) => removeMessage(log, messageId));
  }

  /** Moderators: deletes every message on every screen. */
  async clear(): Promise<void> {
    await this.request('chat-clear', {});
    this.log.set(EMPTY_CHAT);
  }

  /** The history a late joiner is given (empty unless the moderators keep history). */
  start(history: readonly ChatMessage[]): void {
    this.log.set(chatFromHistory(history));
  }

  handle(event: EventOf<'chat-message'> | EventOf<'chat-deleted'> | EventOf<'chat-cleared'>): void {
    switch (event.type) {
      case 'chat-message':
        this.received(event.message);
        break;
      case 'chat-deleted':
        this.log.update((log) => removeMessage(log, event.messageId));
        break;
      case 'chat-cleared':
        this.log.set(EMPTY_CHAT);
        break;
    }
  }

  private received(message: LoggedChatMessage): void {
    const before = this.log.get();
    const selfId = this.self()?.id ?? null;
    const after = addMessage(before, message, { panelOpen: this.panelOpen, selfId });
    this.log.set(after);
    if (after !== before && !this.panelOpen && message.from !== selfId) this.onUnseen(message);
  }
}

import { type ChatMessage, MAX_CHAT_TEXT_BYTES } from '@parley/protocol';

/**
 * The chat as this page knows it: messages in arrival order, and which of them arrived while the chat
 * panel was closed (the unread counter). Lives in the page's memory only. Pure functions, so the
 * rules (no duplicates, deletions take their unread mark along) can be tested without a browser.
 */
/** A message as this page shows it: `encrypted` when it came or went end-to-end encrypted (MLS). */
export type LoggedChatMessage = ChatMessage & { encrypted?: boolean };

export interface ChatLog {
  readonly messages: readonly LoggedChatMessage[];
  /** Ids of messages from others that arrived while the panel was closed. */
  readonly unread: readonly string[];
}

/** Older messages are dropped past this many, so a long meeting cannot fill the page's memory. */
export const MAX_KEPT_MESSAGES = 500;

export const EMPTY_CHAT: ChatLog = { messages: [], unread: [] };

/** The history a late joiner receives: shown, but not counted as unread. */
export function chatFromHistory(history: readonly ChatMessage[]): ChatLog {
  return { messages: history.slice(-MAX_KEPT_MESSAGES), unread: [] };
}

/**
 * Adds a message unless it is already there (our own message may come back both as the answer to
 * sending it and as an event). Counts it as unread when the panel is closed and someone else wrote it.
 */
export function addMessage(
  log: ChatLog,
  message: LoggedChatMessage,
  context: { panelOpen: boolean; selfId: string | null },
): ChatLog {
  if (log.messages.some((known) => known.id === message.id)) return log;
  const messages = [...log.messages, message];
  const dropped =
    messages.length > MAX_KEPT_MESSAGES ? messages.splice(0, messages.length - MAX_KEPT_MESSAGES) : [];
  const droppedIds = new Set(dropped.map((old) => old.id));
  const unread = log.unread.filter((id) => !droppedIds.has(id));
  if (!context.panelOpen && message.from !== context.selfId) unread.push(message.id);
  return { messages, unread };
}

export function removeMessage(log: ChatLog, messageId: string): ChatLog {
  if (!log.messages.some((message) => message.id === messageId)) return log;
  return {
    messages: log.messages.filter((message) => message.id !== messageId),
    unread: log.unread.filter((id) => id !== messageId),
  };
}

/** The panel was opened: everything is read. */
export function markRead(log: ChatLog): ChatLog {
  return log.unread.length === 0 ? log : { ...log, unread: [] };
}

export type ChatTextProblem = 'empty' | 'too-long';

/** Checked before sending, with the server's own limit (bytes of UTF-8, after trimming). */
export function chatTextProblem(text: string): ChatTextProblem | null {
  const trimmed = text.trim();
  if (trimmed === '') return 'empty';
  if (new TextEncoder().encode(trimmed).length > MAX_CHAT_TEXT_BYTES) return 'too-long';
  return null;
}

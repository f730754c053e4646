import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId } from './common.js';
import { defineRequests, moderatorRequest, request } from './feature.js';

/**
 * Chat without end-to-end encryption (the encrypted chat is e2ee.ts): messages to everyone or to one
 * person, relayed by the server and never stored or logged; history for late joiners only when the
 * moderators switch it on (memory only, until the meeting ends).
 */

export const MAX_CHAT_TEXT_BYTES = 4096;

export const ChatMessage = z.object({
  id: z.string().min(1).max(32),
  /** The author's participant id (they may have left since). */
  from: ParticipantId,
  fromName: z.string(),
  /** Set for a private message: the one recipient. */
  to: ParticipantId.nullable(),
  text: z.string(),
  /** Server time, epoch milliseconds. */
  sentAt: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A chat message to everyone, or privately to one participant (`to`). Never stored or logged. */
export const ChatSendRequest = z.object({
  type: z.literal('chat-send'),
  id: RequestId,
  text: z
    .string()
    .trim()
    .min(1, 'A message cannot be empty.')
    .refine((text) => new TextEncoder().encode(text).length <= MAX_CHAT_TEXT_BYTES, {
      message: `A message has at most ${MAX_CHAT_TEXT_BYTES} bytes.`,
    }),
  to: ParticipantId.optional(),
});
export const ChatSendResult = z.object({ messageId: z.string() });
/** Delete a chat message: one's own, or any as a moderator. */
export const ChatDeleteRequest = z.object({
  type: z.literal('chat-delete'),
  id: RequestId,
  messageId: z.string().min(1).max(32),
});
/** Moderator: late joiners get the earlier chat messages (memory only, until the meeting ends). */
export const SetChatHistoryRequest = z.object({
  type: z.literal('set-chat-history'),
  id: RequestId,
  enabled: z.boolean(),
});
/** Moderator: delete every chat message on every screen. */
export const ChatClearRequest = z.object({ type: z.literal('chat-clear'), id: RequestId });

export const ChatMessageEvent = z.object({ type: z.literal('chat-message'), message: ChatMessage });
export const ChatDeletedEvent = z.object({ type: z.literal('chat-deleted'), messageId: z.string() });
export const ChatClearedEvent = z.object({ type: z.literal('chat-cleared') });

export const ChatRequests = defineRequests({
  'chat-send': request(ChatSendRequest, ChatSendResult),
  'chat-delete': request(ChatDeleteRequest, EmptyResult),
  'set-chat-history': moderatorRequest(SetChatHistoryRequest, EmptyResult),
  'chat-clear': moderatorRequest(ChatClearRequest, EmptyResult),
});
export const ChatEvents = [ChatMessageEvent, ChatDeletedEvent, ChatClearedEvent] as const;

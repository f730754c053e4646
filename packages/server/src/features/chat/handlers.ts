import type { ChatRequests } from '@parley/protocol';
import type { RequestHandlers } from '../../meeting/request-handler.js';

/** Chat requests (chat.ts). */
export const chatHandlers: RequestHandlers<keyof typeof ChatRequests> = {
  'set-chat-history': ({ meetings, me }, message) => {
    meetings.chat.setHistory(me, message.enabled);
    return {};
  },
  'chat-clear': ({ meetings, me }) => {
    meetings.chat.clear(me);
    return {};
  },
  'chat-send': ({ meetings, me }, message) => meetings.chat.send(me, message.text, message.to),
  'chat-delete': ({ meetings, me }, message) => {
    meetings.chat.delete(me, message.messageId);
    return {};
  },
};

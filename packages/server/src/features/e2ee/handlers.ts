import type { E2eeRequests } from '@parley/protocol';
import type { RequestHandlers } from '../../meeting/request-handler.js';

/** End-to-end encryption requests (e2ee-delivery.ts). */
export const e2eeHandlers: RequestHandlers<keyof typeof E2eeRequests> = {
  'e2ee-enable': ({ meetings, me }) => {
    meetings.e2ee.enable(me);
    return {};
  },
  'e2ee-disable': ({ meetings, me }, message) => {
    meetings.e2ee.disable(me, message.proof);
    return {};
  },
  'e2ee-key-package': ({ meetings, me }, message) => {
    meetings.e2ee.keyPackage(me, message.keyPackage);
    return {};
  },
  'e2ee-commit': ({ meetings, me }, message) => ({
    accepted: meetings.e2ee.commit(me, message.epoch, message.commit, message.welcome),
  }),
  'e2ee-ready': ({ meetings, me }, message) => {
    meetings.e2ee.ready(me, message.epoch);
    return {};
  },
  'e2ee-chat-send': ({ meetings, me }, message) => meetings.e2ee.chatSend(me, message.ciphertext, message.to),
};

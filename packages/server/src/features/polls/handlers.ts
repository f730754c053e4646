import type { PollRequests } from '@parley/protocol';
import type { RequestHandlers } from '../../meeting/request-handler.js';

/** Polls without E2EE (poll-relay.ts). */
export const pollHandlers: RequestHandlers<keyof typeof PollRequests> = {
  'poll-send': ({ meetings, me }, message) => {
    meetings.polls.send(me, message.message, message.to);
    return {};
  },
};

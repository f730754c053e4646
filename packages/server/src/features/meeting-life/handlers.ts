import type { MeetingLifeRequests } from '@parley/protocol';
import type { RequestHandlers } from '../../meeting/request-handler.js';

/** Hands and reactions (meeting-life.ts). */
export const meetingLifeHandlers: RequestHandlers<keyof typeof MeetingLifeRequests> = {
  'set-hand': ({ meetings, me }, message) => {
    meetings.life.setHand(me, message.raised);
    return {};
  },
  'lower-hand': ({ meetings, me }, message) => {
    meetings.life.lowerHand(me, message.participantId);
    return {};
  },
  'send-reaction': ({ meetings, me }, message) => {
    meetings.life.react(me, message.reaction);
    return {};
  },
};

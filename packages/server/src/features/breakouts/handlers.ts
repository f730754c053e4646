import type { BreakoutRequests } from '@parley/protocol';
import type { RequestHandlers } from '../../meeting/request-handler.js';

/** Breakout room requests (breakouts.ts). */
export const breakoutHandlers: RequestHandlers<keyof typeof BreakoutRequests> = {
  'breakout-create': ({ meetings, me }, message) => {
    meetings.breakouts.create(me, message.count, message.names);
    return {};
  },
  'breakout-assign': ({ meetings, me }, message) => {
    meetings.breakouts.assign(me, message.assignments);
    return {};
  },
  'breakout-assign-random': ({ meetings, me }) => {
    meetings.breakouts.assignRandom(me);
    return {};
  },
  'breakout-allow-choice': ({ meetings, me }, message) => {
    meetings.breakouts.allowChoice(me, message.allowed);
    return {};
  },
  'breakout-open': ({ meetings, me }, message) => {
    meetings.breakouts.open(me, message.seconds);
    return {};
  },
  'breakout-timer': ({ meetings, me }, message) => {
    meetings.breakouts.timer(me, message.seconds);
    return {};
  },
  'breakout-close': ({ meetings, me }) => {
    meetings.breakouts.close(me);
    return {};
  },
  'breakout-broadcast': ({ meetings, me }, message) => {
    meetings.breakouts.broadcast(me, message.text);
    return {};
  },
  'breakout-visit': ({ meetings, me }, message) => {
    meetings.breakouts.visit(me, message.roomId);
    return {};
  },
  'breakout-choose': ({ meetings, me }, message) => {
    meetings.breakouts.choose(me, message.roomId);
    return {};
  },
  'breakout-help': ({ meetings, me }) => {
    meetings.breakouts.help(me);
    return {};
  },
};

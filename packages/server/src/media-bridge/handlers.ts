import type { MediaQualityRequests, MediaRequests } from '@parley/protocol';
import type { RequestHandlers } from '../meeting/request-handler.js';

/** The media requests (media-bridge/meeting-media.ts). */
export const mediaHandlers: RequestHandlers<keyof typeof MediaRequests | keyof typeof MediaQualityRequests> =
  {
    publish: async ({ meetings, me }, message) => ({
      sdp: await meetings.publish(me, message.sdp, message.tracks),
    }),
    subscribe: async ({ meetings, me }, message) => ({ sdp: await meetings.subscribe(me, message.sdp) }),
    'subscriber-answer': async ({ meetings, me }, message) => {
      await meetings.subscriberAnswer(me, message.sdp);
      return {};
    },
    'set-muted': ({ meetings, me }, message) => {
      meetings.setMuted(me, message.source, message.muted);
      return {};
    },
    'video-size': ({ meetings, me }, message) => {
      meetings.setVideoSize(me, message);
      return {};
    },
    'video-reception': ({ meetings, me }, message) => {
      meetings.setVideoReception(me, message.mode);
      return {};
    },
  };

import type { RecordingRequests } from '@parley/protocol';
import type { RequestHandlers } from '../../meeting/request-handler.js';

/** Recording requests (recording.ts). */
export const recordingHandlers: RequestHandlers<keyof typeof RecordingRequests> = {
  'recording-start': ({ meetings, me }) => {
    meetings.recording.start(me);
    return {};
  },
  'recording-stop': ({ meetings, me }) => {
    meetings.recording.stop(me);
    return {};
  },
  'recording-consent': ({ meetings, me }, message) => {
    meetings.recording.consent(me, message.accept);
    return {};
  },
  'recording-permit': ({ meetings, me }, message) => {
    meetings.recording.permit(me, message.participantId, message.allowed);
    return {};
  },
};

import { breakoutHandlers } from '../features/breakouts/handlers.js';
import { chatHandlers } from '../features/chat/handlers.js';
import { e2eeHandlers } from '../features/e2ee/handlers.js';
import { meetingLifeHandlers } from '../features/meeting-life/handlers.js';
import { moderationHandlers } from '../features/moderation/handlers.js';
import { pollHandlers } from '../features/polls/handlers.js';
import { recordingHandlers } from '../features/recording/handlers.js';
import { mediaHandlers } from '../media-bridge/handlers.js';
import type { RequestHandlers, RequestType } from '../meeting/request-handler.js';

/**
 * One handler per request type of the protocol, from each feature's own table. A request type
 * without a handler (or a handler for none) fails to compile.
 */
export const requestTable: RequestHandlers<RequestType> = {
  ...mediaHandlers,
  ...moderationHandlers,
  ...chatHandlers,
  ...e2eeHandlers,
  ...meetingLifeHandlers,
  ...pollHandlers,
  ...recordingHandlers,
  ...breakoutHandlers,
};

import { type ClientMessage, Requests } from '@parley/protocol';
import { breakoutHandlers } from '../features/breakouts/handlers.js';
import { chatHandlers } from '../features/chat/handlers.js';
import { e2eeHandlers } from '../features/e2ee/handlers.js';
import { meetingLifeHandlers } from '../features/meeting-life/handlers.js';
import { moderationHandlers } from '../features/moderation/handlers.js';
import { pollHandlers } from '../features/polls/handlers.js';
import { recordingHandlers } from '../features/recording/handlers.js';
import { mediaHandlers } from '../media-bridge/handlers.js';
import type { RequestContext, RequestHandlers, RequestType } from '../meeting/request-handler.js';

/**
 * One handler per request type of the protocol, from each feature's own table (typed by that
 * feature's declarations in packages/protocol). A request type without a handler (or a handler for
 * none) fails to compile.
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

/**
 * Runs one request of a joined participant. A request its feature declares `moderatorOnly` is refused
 * here with `forbidden` unless the sender is a moderator, before anything is looked up or changed:
 * the one place that rule is enforced (the moderation methods still look the moderator up, as they
 * need their room).
 */
export function dispatch(
  context: RequestContext,
  message: Extract<ClientMessage, { type: RequestType }>,
): unknown | Promise<unknown> {
  if (Requests[message.type].moderatorOnly) context.meetings.moderator(context.me);
  const handler = requestTable[message.type] as (context: RequestContext, message: ClientMessage) => unknown;
  return handler(context, message);
}

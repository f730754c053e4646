import { MAX_CHAT_TEXT_BYTES } from '@parley/protocol';
import { SignalingError } from '../../conference/signaling';
import type { MessageRef } from './join-messages';

/** The readable sentence for a request that failed during the meeting (moderation, chat). */
export function requestErrorMessage(error: unknown): MessageRef {
  if (!(error instanceof SignalingError)) return { key: 'error.unexpected' };
  switch (error.code) {
    case 'disconnected':
      return { key: 'error.unreachable' };
    case 'forbidden':
      return { key: 'request.forbidden' };
    case 'not-found':
      return { key: 'request.notFound' };
    case 'last-moderator':
      return { key: 'request.lastModerator' };
    case 'unmute-not-allowed':
      return { key: 'request.unmuteNotAllowed' };
    case 'too-large':
      return { key: 'chat.tooLong', params: { max: MAX_CHAT_TEXT_BYTES } };
    case 'rate-limited':
      return error.retryAfterSeconds !== undefined && error.retryAfterSeconds > 0
        ? { key: 'request.rateLimitedFor', params: { count: Math.ceil(error.retryAfterSeconds) } }
        : { key: 'request.rateLimited' };
    default:
      return error.message
        ? { key: 'request.failed', params: { message: error.message } }
        : { key: 'error.unexpected' };
  }
}

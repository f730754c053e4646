import { MAX_DISPLAY_NAME_LENGTH } from '@parley/protocol';
import type { MediaProblem } from '../../conference/local-media';
import type { JoinFailure } from '../../conference/meeting';
import type { MessageKey } from '../../i18n';
import type { Params } from '../../i18n/translate';

/** A catalogue message with its parameters, turned into text with `t` where it is shown. */
export interface MessageRef {
  key: MessageKey;
  params?: Params;
}

/**
 * The readable sentence for a failed join; the server's own message is a last resort.
 * `retryAfterSeconds` comes with `rate-limited` (too many attempts, e.g. wrong passwords).
 */
export function joinFailureMessage(
  reason: JoinFailure,
  serverMessage: string,
  retryAfterSeconds?: number,
): MessageRef {
  switch (reason) {
    case 'unreachable':
    case 'disconnected':
      return { key: 'error.unreachable' };
    case 'invalid-room-name':
      return { key: 'joinError.invalidRoomName' };
    case 'invalid-display-name':
      return { key: 'joinError.invalidDisplayName', params: { max: MAX_DISPLAY_NAME_LENGTH } };
    case 'unsupported-version':
      return { key: 'joinError.unsupportedVersion' };
    case 'rate-limited':
      return retryAfterSeconds !== undefined && retryAfterSeconds > 0
        ? { key: 'joinError.rateLimitedFor', params: { count: Math.ceil(retryAfterSeconds) } }
        : { key: 'joinError.rateLimited' };
    case 'password-required':
      return { key: 'joinError.passwordRequired' };
    case 'wrong-password':
      return { key: 'joinError.wrongPassword' };
    case 'locked':
      return { key: 'joinError.locked' };
    case 'invalid-invitation':
      return { key: 'joinError.invalidInvitation' };
    case 'denied':
      return { key: 'joinError.denied' };
    case 'ended-while-waiting':
      return { key: 'joinError.endedWhileWaiting' };
    case 'room-closed':
      return { key: 'joinError.roomClosed' };
    case 'already-joined':
      return { key: 'joinError.alreadyJoined' };
    case 'e2ee-unsupported':
      return { key: 'e2ee.unsupported' };
    default:
      return serverMessage
        ? { key: 'joinError.other', params: { message: serverMessage } }
        : { key: 'error.unexpected' };
  }
}

const MIC_MESSAGES: Record<MediaProblem, MessageKey> = {
  denied: 'media.micDenied',
  missing: 'media.micMissing',
  failed: 'media.micFailed',
  unsupported: 'media.unsupported',
};
const CAMERA_MESSAGES: Record<MediaProblem, MessageKey> = {
  denied: 'media.cameraDenied',
  missing: 'media.cameraMissing',
  failed: 'media.cameraFailed',
  unsupported: 'media.unsupported',
};

/** What to tell the user about devices that could not be used; one sentence when both share a cause. */
export function mediaProblemMessages(mic: MediaProblem | null, camera: MediaProblem | null): MessageRef[] {
  if (mic === 'unsupported' && camera === 'unsupported') return [{ key: 'media.unsupported' }];
  const messages: MessageRef[] = [];
  if (mic) messages.push({ key: MIC_MESSAGES[mic] });
  if (camera) messages.push({ key: CAMERA_MESSAGES[camera] });
  return messages;
}

export function screenProblemMessage(problem: MediaProblem): MessageRef {
  return problem === 'unsupported' ? { key: 'media.unsupported' } : { key: 'media.screenFailed' };
}

import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId } from './common.js';
import { defineRequests, moderatorRequest, request } from './feature.js';

/**
 * Recording in a participant's browser (docs/privacy.md, "Recording"). The server never sees a frame
 * of it: it only keeps, in memory for the meeting's life, that a recording runs, who records, who may
 * start one and everyone's consent answers — and it makes sure everyone is asked. The recorder's
 * client records only the participants the server lists as consenting.
 */

/** Moderators, or participants a moderator allowed (`recording-permit`): start recording. One at a time. */
export const RecordingStartRequest = z.object({ type: z.literal('recording-start'), id: RequestId });
/** The recorder or a moderator: stop the recording. */
export const RecordingStopRequest = z.object({ type: z.literal('recording-stop'), id: RequestId });
/** Answer the consent notice (may be changed while the recording runs). */
export const RecordingConsentRequest = z.object({
  type: z.literal('recording-consent'),
  id: RequestId,
  accept: z.boolean(),
});
/** Moderator: allow (or no longer allow) a participant to start recordings. */
export const RecordingPermitRequest = z.object({
  type: z.literal('recording-permit'),
  id: RequestId,
  participantId: ParticipantId,
  allowed: z.boolean(),
});

/** At most this many ids in any list of this module's events (a meeting is far smaller). */
export const MAX_RECORDING_LIST = 1000;
const Ids = z.array(ParticipantId).max(MAX_RECORDING_LIST);

export const RecordingInfo = z.object({
  /** Who records (their browser composes and keeps the file). */
  recorderId: ParticipantId,
  /** Server time the recording was started, epoch milliseconds. */
  startedAt: z.number(),
  /** Said yes: the only participants the recorder's client records. */
  consented: Ids,
  /** Said no. Everyone else in the meeting has not answered yet and is left out as well. */
  declined: Ids,
});
export type RecordingInfo = z.infer<typeof RecordingInfo>;

/**
 * To everyone whenever it changes, and to each joiner when there is anything to tell: the
 * recording running (or null) and who may start one besides the moderators.
 */
export const RecordingStateEvent = z.object({
  type: z.literal('recording-state'),
  recording: RecordingInfo.nullable(),
  /** Participants (not moderators) a moderator allowed to record. */
  permitted: Ids,
  /** Announcement: this participant just declined and is not in the recording. */
  declined: ParticipantId.optional(),
  /** Announcement: the recording just ended — stopped, or its recorder left the meeting. */
  ended: z.enum(['stopped', 'recorder-left']).optional(),
});
/**
 * To each participant who has not answered (everyone but the recorder at the start; each joiner
 * while a recording runs): the consent notice. The app shows it until it is answered.
 */
export const RecordingConsentRequestedEvent = z.object({
  type: z.literal('recording-consent-requested'),
  recorderId: ParticipantId,
});

export const RecordingRequests = defineRequests({
  'recording-start': request(RecordingStartRequest, EmptyResult),
  'recording-stop': request(RecordingStopRequest, EmptyResult),
  'recording-consent': request(RecordingConsentRequest, EmptyResult),
  'recording-permit': moderatorRequest(RecordingPermitRequest, EmptyResult),
});
export const RecordingEvents = [RecordingStateEvent, RecordingConsentRequestedEvent] as const;

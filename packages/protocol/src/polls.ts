import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId } from './common.js';
import { defineRequests, request } from './feature.js';

/**
 * Polls (docs/protocol.md, _Polls_). One design for both modes: clients keep and tally polls; the
 * server keeps nothing. Without end-to-end encryption a `poll-send` request carries a PollMessage
 * and the server relays it with the sender's authenticated id (moderators only for open, tally and
 * close). With E2EE on, the same PollMessage travels inside an MLS application message on the
 * encrypted chat channel and the server sees ciphertext only.
 */

export const MIN_POLL_OPTIONS = 2;
export const MAX_POLL_OPTIONS = 10;
export const MAX_POLL_QUESTION_CHARS = 300;
export const MAX_POLL_OPTION_CHARS = 120;
/** More voters than any meeting holds: bounds the counts a tally may claim. */
const MAX_POLL_VOTERS = 10_000;

export const PollId = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/, 'Expected a poll id.');
export const PollSpec = z.object({
  id: PollId,
  question: z.string().trim().min(1).max(MAX_POLL_QUESTION_CHARS),
  options: z
    .array(z.string().trim().min(1).max(MAX_POLL_OPTION_CHARS))
    .min(MIN_POLL_OPTIONS)
    .max(MAX_POLL_OPTIONS),
  /** Several answers may be chosen. */
  multiple: z.boolean(),
  /** Votes go to the poll's creator only; everyone else sees counts only. */
  anonymous: z.boolean(),
  /** `live`: counts show while the poll is open; `close`: only once it is closed. */
  results: z.enum(['live', 'close']),
});
export type PollSpec = z.infer<typeof PollSpec>;

const Counts = z
  .array(z.number().int().min(0).max(MAX_POLL_VOTERS))
  .min(MIN_POLL_OPTIONS)
  .max(MAX_POLL_OPTIONS);

/** A moderator opens a poll; `again`: re-announced for people who came later (not the first time). */
export const PollOpenMessage = z.object({ kind: z.literal('poll-open'), poll: PollSpec, again: z.boolean() });
/** One's choice (0-based indexes); a later vote replaces an earlier one. */
export const PollVoteMessage = z.object({
  kind: z.literal('poll-vote'),
  pollId: PollId,
  choices: z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(MAX_POLL_OPTIONS - 1),
    )
    .min(1)
    .max(MAX_POLL_OPTIONS),
});
/** The creator's count so far (for anonymous polls and late joiners). */
export const PollTallyMessage = z.object({
  kind: z.literal('poll-tally'),
  pollId: PollId,
  counts: Counts,
  voters: z.number().int().min(0).max(MAX_POLL_VOTERS),
});
/** The creator closes the poll with its final count. */
export const PollCloseMessage = z.object({
  kind: z.literal('poll-close'),
  pollId: PollId,
  counts: Counts,
  voters: z.number().int().min(0).max(MAX_POLL_VOTERS),
});
export const PollMessage = z.discriminatedUnion('kind', [
  PollOpenMessage,
  PollVoteMessage,
  PollTallyMessage,
  PollCloseMessage,
]);
export type PollMessage = z.infer<typeof PollMessage>;
/** Message kinds only a moderator may send. */
export const MODERATOR_POLL_KINDS: readonly PollMessage['kind'][] = ['poll-open', 'poll-tally', 'poll-close'];

/**
 * Without E2EE: relay a poll message to everyone (or a vote privately to the poll's creator, `to`).
 * Refused while the meeting is encrypted (polls travel as MLS messages then). Never stored or logged.
 */
export const PollSendRequest = z.object({
  type: z.literal('poll-send'),
  id: RequestId,
  message: PollMessage,
  to: ParticipantId.optional(),
});
/** A poll message from `from` (the server's authenticated sender id). */
export const PollMessageEvent = z.object({
  type: z.literal('poll-message'),
  from: ParticipantId,
  message: PollMessage,
});

export const PollRequests = defineRequests({
  /** Anyone may send; the server refuses a non-moderator's open, tally and close (MODERATOR_POLL_KINDS). */
  'poll-send': request(PollSendRequest, EmptyResult),
});
export const PollEvents = [PollMessageEvent] as const;

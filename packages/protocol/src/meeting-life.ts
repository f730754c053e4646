import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId } from './common.js';
import { defineRequests, moderatorRequest, request } from './feature.js';

/**
 * Meeting life: raised hands and emoji reactions. Hands form one ordered queue per meeting (first
 * raised first), kept in the server's memory for the meeting's life; reactions are relayed and kept
 * nowhere.
 */

/** The fixed set of reactions; clients map each name to an emoji and a translated label. */
export const Reaction = z.enum(['thumbs-up', 'clap', 'laugh', 'heart', 'surprised']);
export type Reaction = z.infer<typeof Reaction>;
export const REACTIONS = Reaction.options;

/** Raise or lower one's own hand. */
export const SetHandRequest = z.object({ type: z.literal('set-hand'), id: RequestId, raised: z.boolean() });
/** Moderator: lower someone's raised hand. */
export const LowerHandRequest = z.object({
  type: z.literal('lower-hand'),
  id: RequestId,
  participantId: ParticipantId,
});
/** Show a reaction on one's own tile for everyone, briefly. Rate-limited. */
export const SendReactionRequest = z.object({
  type: z.literal('send-reaction'),
  id: RequestId,
  reaction: Reaction,
});

/** To everyone (and to each joiner): the raised hands, first raised first. */
export const HandsUpdatedEvent = z.object({
  type: z.literal('hands-updated'),
  queue: z.array(ParticipantId),
  /** Set when a moderator lowered this participant's hand (not when they lowered it themselves). */
  loweredByModerator: ParticipantId.optional(),
});
/** To everyone: someone reacted. */
export const ReactionEvent = z.object({
  type: z.literal('reaction'),
  participantId: ParticipantId,
  reaction: Reaction,
});

export const MeetingLifeRequests = defineRequests({
  'set-hand': request(SetHandRequest, EmptyResult),
  'lower-hand': moderatorRequest(LowerHandRequest, EmptyResult),
  'send-reaction': request(SendReactionRequest, EmptyResult),
});
export const MeetingLifeEvents = [HandsUpdatedEvent, ReactionEvent] as const;

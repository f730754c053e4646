import { z } from 'zod';
import { ChatMessage } from './chat.js';
import {
  DisplayName,
  EmptyResult,
  IceServer,
  ParticipantId,
  ParticipantInfo,
  RequestId,
  RoomName,
  RoomSettings,
  VideoCodec,
} from './common.js';
import { defineRequests, request } from './feature.js';

/**
 * Joining and leaving a meeting, and who is in it: the connection's own requests (the server answers
 * them in signaling/session.ts, not through the request table), the roster events and resume tokens.
 */

export const JoinRequest = z.object({
  type: z.literal('join'),
  id: RequestId,
  protocolVersion: z.number().int(),
  room: RoomName,
  displayName: DisplayName,
  /** The room password, when the room has one (asked for after a `password-required` error). */
  password: z.string().max(256).optional(),
  /** An invitation token from an invitation link: lets a guest in past password and lobby. */
  invitation: z.string().max(2048).optional(),
  /**
   * A random id this browser keeps (localStorage); lets the server recognise a removed participant
   * who comes back. Never stored beyond the meeting.
   */
  clientKey: z.string().min(16).max(64).optional(),
  /** The browser can encrypt media end to end (encoded transforms); others cannot enter encrypted meetings. */
  e2ee: z.boolean().optional(),
  /**
   * The resume token from `joined` / `resume-token` after a dropped connection: a valid one lets the
   * person straight back in with their role. An invalid or expired one is ignored (a normal join).
   */
  resume: z.string().max(1024).optional(),
  /** A move grant from `breakout-move`: straight into that (breakout or main) room, once. */
  grant: z.string().max(256).optional(),
});

export const JoinResult = z.object({
  /**
   * `joined`: admitted now (a `joined` event follows). `waiting-for-host`: admitted automatically when
   * a host arrives. `lobby`: knocking; a `joined` event follows when a moderator admits, a
   * `join-denied` event when one does not.
   */
  status: z.enum(['joined', 'waiting-for-host', 'lobby']),
});
export type JoinResult = z.infer<typeof JoinResult>;

export const LeaveRequest = z.object({
  type: z.literal('leave'),
  id: RequestId,
});

/** A signed, opaque resume token (the server alone reads it). */
export const ResumeToken = z.string().min(1).max(1024);

export const JoinedEvent = z.object({
  type: z.literal('joined'),
  self: ParticipantInfo,
  participants: z.array(ParticipantInfo),
  iceServers: z.array(IceServer),
  /**
   * `relay`: the operator allows only relayed (TURN) candidates, so the media server sees only the
   * relay's address (`RTCConfiguration.iceTransportPolicy`; PARLEY_ICE_RELAY_ONLY). Absent: `all`.
   */
  iceTransportPolicy: z.enum(['all', 'relay']).optional(),
  /**
   * The video codec to publish in when the browser can encode it (PARLEY_VIDEO_CODEC), else VP8;
   * always VP8 while end-to-end encryption is on. Absent: VP8.
   */
  videoCodec: VideoCodec.optional(),
  settings: RoomSettings.default({
    passwordSet: false,
    lobbyEnabled: false,
    locked: false,
    chatHistory: false,
  }),
  /** Earlier chat messages, only when the moderators switched history for late joiners on. */
  chatHistory: z.array(ChatMessage).default([]),
  /**
   * Lets this person back in after their connection dropped (send it as `resume` with `join`):
   * straight into the meeting with their role, past password, lobby and lock. Valid ~10 minutes;
   * `resume-token` events renew it.
   */
  resumeToken: ResumeToken,
});
export const ParticipantJoinedEvent = z.object({
  type: z.literal('participant-joined'),
  participant: ParticipantInfo,
});
export const ParticipantUpdatedEvent = z.object({
  type: z.literal('participant-updated'),
  participant: ParticipantInfo,
});
export const ParticipantLeftEvent = z.object({
  type: z.literal('participant-left'),
  participantId: ParticipantId,
});
export const RoomClosedEvent = z.object({
  type: z.literal('room-closed'),
  /** `ended`: a moderator ended the meeting for everyone. */
  reason: z.enum(['ended', 'server-shutdown']),
});
/** A fresh resume token (replaces the one from `joined`): sent every ~5 minutes and when one's role changes. */
export const ResumeTokenEvent = z.object({ type: z.literal('resume-token'), token: ResumeToken });

export const SessionRequests = defineRequests({
  join: request(JoinRequest, JoinResult),
  leave: request(LeaveRequest, EmptyResult),
});
export const SessionEvents = [
  JoinedEvent,
  ParticipantJoinedEvent,
  ParticipantUpdatedEvent,
  ParticipantLeftEvent,
  RoomClosedEvent,
  ResumeTokenEvent,
] as const;

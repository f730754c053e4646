import {
  type KeptRoom,
  KeptRoomInput,
  type KeptRoomList,
  KeptRoomScheduleInput,
  RoomName,
  type RoomScheduleAnswer,
} from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService, SessionUser } from '../accounts/account-service.js';
import { firstIssueMessage } from '../accounts/input.js';
import {
  answerError,
  invalidInput,
  notSignedIn,
  sendError,
  sessionUserFromCookieHeader,
} from '../accounts/routes.js';
import { changeRefused } from '../http/change-guard.js';
import type { RateDecision } from '../privacy/rate-limiter.js';
import { invitationCalendar } from './invitation.js';
import type { KeptRoomRefusal, KeptRoomStore } from './kept-room-store.js';

/** Name, password, two flags and up to 20 usernames: nothing in this API is bigger. */
const BODY_LIMIT = 8 * 1024;

/** Changes per minute per client address (a RateLimiter): each password costs a scrypt hash. */
export const KEPT_ROOM_RATE_LIMIT = { limit: 60, windowMs: 60 * 1000, maxKeys: 10_000 };

/** Public look-ups of a room's start time per minute per client address. */
export const ROOM_SCHEDULE_RATE_LIMIT = { limit: 120, windowMs: 60 * 1000, maxKeys: 10_000 };

export interface KeptRoomRoutesDeps {
  accounts: AccountService;
  keptRooms: KeptRoomStore;
  /** Counts every change (POST, PUT, DELETE) per client address: a RateLimiter. */
  changeLimiter: { hit(clientAddress: string): RateDecision };
  /** Counts public schedule look-ups per client address: a RateLimiter. */
  lookupLimiter: { hit(clientAddress: string): RateDecision };
}

const UUID = /^[0-9a-f-]{36}$/;

/**
 * The signed-in user's kept rooms (issue 17.4) and their scheduled meetings (17.5). Every route
 * checks the session and touches the caller's own rooms only (another account's room is 404, as if
 * it did not exist); every change comes from this site only (SameSite=Strict cookie, JSON bodies,
 * the Origin check) and is rate-limited, as the admin API.
 *
 *   GET    /api/kept-rooms                         → KeptRoomList
 *   POST   /api/kept-rooms                         KeptRoomInput → 201 KeptRoom
 *   PUT    /api/kept-rooms/:id                     KeptRoomInput → KeptRoom
 *   DELETE /api/kept-rooms/:id                     → 204
 *   PUT    /api/kept-rooms/:id/schedule            KeptRoomScheduleInput → KeptRoom
 *   GET    /api/kept-rooms/:id/invitation.ics      → text/calendar (the scheduled meeting)
 *   GET    /api/room-schedule/:name                → RoomScheduleAnswer (public: start and duration only)
 */
export function registerKeptRoomRoutes(app: FastifyInstance, deps: KeptRoomRoutesDeps): void {
  const { accounts, keptRooms } = deps;

  app.register(async (scope) => {
    scope.setErrorHandler(answerError);
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.get('/api/kept-rooms', async (request, reply) => {
      const user = await signedIn(request, reply);
      if (user === null) return reply;
      const body: KeptRoomList = { rooms: await keptRooms.list(user.id) };
      return body;
    });

    scope.post('/api/kept-rooms', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const user = await changing(request, reply);
      if (user === null) return reply;
      const input = KeptRoomInput.safeParse(request.body);
      if (!input.success) return invalidInput(reply, firstIssueMessage(input.error));
      const outcome = await keptRooms.create(user.id, input.data);
      if ('refused' in outcome) return refused(reply, outcome);
      const body: KeptRoom = outcome;
      return reply.code(201).send(body);
    });

    scope.put<{ Params: { id: string } }>(
      '/api/kept-rooms/:id',
      { bodyLimit: BODY_LIMIT },
      async (request, reply) => {
        const user = await changing(request, reply);
        if (user === null) return reply;
        if (!UUID.test(request.params.id)) return noSuchRoom(reply);
        const input = KeptRoomInput.safeParse(request.body);
        if (!input.success) return invalidInput(reply, firstIssueMessage(input.error));
        const outcome = await keptRooms.update(user.id, request.params.id, input.data);
        if (outcome === null) return noSuchRoom(reply);
        if ('refused' in outcome) return refused(reply, outcome);
        return outcome;
      },
    );

    scope.delete<{ Params: { id: string } }>(
      '/api/kept-rooms/:id',
      { bodyLimit: BODY_LIMIT },
      async (request, reply) => {
        const user = await changing(request, reply);
        if (user === null) return reply;
        if (!UUID.test(request.params.id) || !(await keptRooms.delete(user.id, request.params.id)))
          return noSuchRoom(reply);
        return reply.code(204).send();
      },
    );

    scope.put<{ Params: { id: string } }>(
      '/api/kept-rooms/:id/schedule',
      { bodyLimit: BODY_LIMIT },
      async (request, reply) => {
        const user = await changing(request, reply);
        if (user === null) return reply;
        if (!UUID.test(request.params.id)) return noSuchRoom(reply);
        const input = KeptRoomScheduleInput.safeParse(request.body);
        if (!input.success) return invalidInput(reply, firstIssueMessage(input.error));
        const room = await keptRooms.setSchedule(user.id, request.params.id, input.data.schedule);
        if (room === null) return noSuchRoom(reply);
        return room;
      },
    );

    scope.get<{ Params: { id: string }; Querystring: { lang?: string } }>(
      '/api/kept-rooms/:id/invitation.ics',
      async (request, reply) => {
        const user = await signedIn(request, reply);
        if (user === null) return reply;
        if (!UUID.test(request.params.id)) return noSuchRoom(reply);
        const room = await keptRooms.get(user.id, request.params.id);
        if (room === null) return noSuchRoom(reply);
        if (room.schedule === null)
          return sendError(reply, 409, 'not-scheduled', 'Pick a date and time for this room first.');
        const origin = `${request.protocol}://${request.host}`;
        const calendar = invitationCalendar({
          roomName: room.name,
          link: `${origin}/room/${encodeURIComponent(room.name)}`,
          host: request.hostname,
          schedule: room.schedule,
          german: request.query.lang === 'de',
        });
        return reply
          .type('text/calendar; charset=utf-8')
          .header('content-disposition', `attachment; filename="${room.name}.ics"`)
          .send(calendar);
      },
    );

    scope.get<{ Params: { name: string } }>('/api/room-schedule/:name', async (request, reply) => {
      const decision = deps.lookupLimiter.hit(request.ip);
      if (!decision.allowed) {
        reply.header('retry-after', String(decision.retryAfterSeconds));
        return sendError(reply, 429, 'too-many-requests', 'Too many requests. Please wait a moment.');
      }
      const name = RoomName.safeParse(request.params.name);
      const body: RoomScheduleAnswer = {
        schedule: name.success ? await keptRooms.scheduleFor(name.data) : null,
      };
      return body;
    });
  });

  async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<SessionUser | null> {
    const user = await sessionUserFromCookieHeader(accounts, request.headers.cookie);
    if (user === null) notSignedIn(reply);
    return user;
  }

  /** As `signedIn`, for a change: also passes the change guard (origin, rate). */
  async function changing(request: FastifyRequest, reply: FastifyReply): Promise<SessionUser | null> {
    if (changeRefused(request, reply, deps.changeLimiter)) return null;
    return signedIn(request, reply);
  }
}

function noSuchRoom(reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, 'no-such-room', 'You keep no room with this id.');
}

function refused(reply: FastifyReply, refusal: KeptRoomRefusal): FastifyReply {
  switch (refusal.refused) {
    case 'name-taken':
      return sendError(
        reply,
        409,
        'name-taken',
        'Another kept room already has this name. Pick another name.',
      );
    case 'limit':
      return sendError(reply, 409, 'too-many-rooms', 'You keep as many rooms as allowed. Delete one first.');
    case 'unknown-moderators':
      return invalidInput(reply, `There is no account named ${refusal.usernames.join(', ')}.`);
  }
}

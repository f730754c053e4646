import {
  type AdminAccountList,
  AdminChangeRole,
  AdminCreateAccount,
  type InstanceSettings,
  InstanceSettings as InstanceSettingsShape,
} from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AccountService,
  InvalidAccountInputError,
  type SessionUser,
  UsernameTakenError,
} from '../accounts/account-service.js';
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
import type { InstanceSettingsStore } from './instance-settings.js';

/** A new account's username, password and role; nothing in this API is bigger. */
const BODY_LIMIT = 8 * 1024;

/** Changes per minute per client address (RateLimiter): adding an account costs an argon2 hash. */
export const ADMIN_RATE_LIMIT = { limit: 60, windowMs: 60 * 1000, maxKeys: 10_000 };

export interface AdminRoutesDeps {
  accounts: AccountService;
  settings: InstanceSettingsStore;
  /** Counts every change (POST, PATCH, PUT, DELETE) per client address: a RateLimiter. */
  changeLimiter: { hit(clientAddress: string): RateDecision };
}

/** What the /admin page itself answers: the app, the sign-in page, or 403. */
export type AdminPageAccess = 'allowed' | 'sign-in' | 'forbidden';

/** Who asks for /admin: not signed in → sign in; signed in without the admin role → 403. */
export async function adminPageAccess(
  accounts: AccountService,
  request: FastifyRequest,
): Promise<AdminPageAccess> {
  const user = await sessionUserFromCookieHeader(accounts, request.headers.cookie);
  if (user === null) return 'sign-in';
  return user.role === 'admin' ? 'allowed' : 'forbidden';
}

/**
 * The administrators' API behind /admin: accounts (list, add, delete, change role; the same
 * AccountService rules as the command line) and the instance settings. Every route checks the
 * session and the admin role itself; every change also comes from this site only (the SameSite=Strict
 * session cookie, JSON bodies, and the Origin check below) and is rate-limited.
 *
 *   GET    /api/admin/users                 → AdminAccountList
 *   POST   /api/admin/users                 AdminCreateAccount → 201
 *   PATCH  /api/admin/users/:username       AdminChangeRole → 204
 *   DELETE /api/admin/users/:username       → 204
 *   GET    /api/admin/settings              → InstanceSettings
 *   PUT    /api/admin/settings              InstanceSettings → InstanceSettings
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const { accounts, settings } = deps;

  app.register(async (scope) => {
    scope.setErrorHandler(answerError);
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.get('/api/admin/users', async (request, reply) => {
      if ((await administrator(request, reply)) === null) return reply;
      const users = await accounts.listUsers();
      const body: AdminAccountList = {
        users: users.map((user) => ({
          username: user.username,
          role: user.role,
          createdAt: user.createdAt.toISOString(),
        })),
      };
      return body;
    });

    scope.post('/api/admin/users', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      if ((await administratorChanging(request, reply)) === null) return reply;
      const input = AdminCreateAccount.safeParse(request.body);
      if (!input.success) return invalidInput(reply, firstIssueMessage(input.error));
      try {
        const user = await accounts.createUser(input.data.username, input.data.password, input.data.role);
        return reply.code(201).send({ username: user.username, role: user.role });
      } catch (error) {
        if (error instanceof UsernameTakenError) {
          return sendError(reply, 409, 'username-taken', 'An account with this username already exists.');
        }
        if (error instanceof InvalidAccountInputError) return invalidInput(reply, error.message);
        throw error;
      }
    });

    scope.patch<{ Params: { username: string } }>(
      '/api/admin/users/:username',
      { bodyLimit: BODY_LIMIT },
      async (request, reply) => {
        if ((await administratorChanging(request, reply)) === null) return reply;
        const input = AdminChangeRole.safeParse(request.body);
        if (!input.success) return invalidInput(reply, firstIssueMessage(input.error));
        const outcome = await accounts.changeRole(request.params.username, input.data.role);
        if (outcome === 'not-found') return noSuchAccount(reply);
        if (outcome === 'last-admin') {
          return sendError(
            reply,
            409,
            'last-admin',
            'This is the only administrator. Make another account an administrator first.',
          );
        }
        return reply.code(204).send();
      },
    );

    scope.delete<{ Params: { username: string } }>(
      '/api/admin/users/:username',
      { bodyLimit: BODY_LIMIT },
      async (request, reply) => {
        const admin = await administratorChanging(request, reply);
        if (admin === null) return reply;
        const outcome = await accounts.deleteAccountOf(request.params.username, admin.id);
        if (outcome === 'not-found') return noSuchAccount(reply);
        if (outcome === 'self') {
          return sendError(
            reply,
            409,
            'own-account',
            'You cannot delete your own account here. Use "Delete my account" on the privacy page.',
          );
        }
        if (outcome === 'last-admin') {
          return sendError(
            reply,
            409,
            'last-admin',
            'This is the only administrator, so it cannot be deleted. Make another account an administrator first.',
          );
        }
        return reply.code(204).send();
      },
    );

    scope.get('/api/admin/settings', async (request, reply) => {
      if ((await administrator(request, reply)) === null) return reply;
      return settings.get();
    });

    scope.put('/api/admin/settings', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      if ((await administratorChanging(request, reply)) === null) return reply;
      const input = InstanceSettingsShape.safeParse(request.body);
      if (!input.success) return invalidInput(reply, firstIssueMessage(input.error));
      await settings.set(input.data);
      const saved: InstanceSettings = await settings.get();
      return saved;
    });
  });

  /** The signed-in administrator, or null after answering 401 (not signed in) or 403 (not an admin). */
  async function administrator(request: FastifyRequest, reply: FastifyReply): Promise<SessionUser | null> {
    const user = await sessionUserFromCookieHeader(accounts, request.headers.cookie);
    if (user === null) {
      notSignedIn(reply);
      return null;
    }
    if (user.role !== 'admin') {
      sendError(reply, 403, 'not-admin', 'Only administrators may do this.');
      return null;
    }
    return user;
  }

  /** As `administrator`, for a change: also passes the change guard (origin, rate). */
  async function administratorChanging(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<SessionUser | null> {
    if (changeRefused(request, reply, deps.changeLimiter)) return null;
    return administrator(request, reply);
  }
}

function noSuchAccount(reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, 'no-such-account', 'There is no account with this username.');
}

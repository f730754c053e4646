import { createHash, timingSafeEqual } from 'node:crypto';
import { type ApiError, LoginRequest, type SessionInfo, SetupRequest } from '@parley/protocol';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerBase,
} from 'fastify';
import type { Config } from '../config.js';
import type { LdapFailure, PasswordDirectory } from '../ldap/ldap-service.js';
import type { RateDecision } from '../privacy/rate-limiter.js';
import type { AccountService, SessionUser } from './account-service.js';
import { readCookie, serializeCookie } from './cookie.js';
import { dataExport } from './data-export.js';
import { firstIssueMessage } from './input.js';
import { SESSION_LIFETIME_MS } from './session-token.js';

export const SESSION_COOKIE = 'parley_session';
/** Credentials are tiny; anything bigger is not a sign-in attempt. */
const BODY_LIMIT = 8 * 1024;

export interface AccountRoutesDeps {
  accounts: AccountService;
  config: Pick<Config, 'tlsCert'>;
  /** Counts sign-in and setup attempts per client address (a RateLimiter). */
  loginLimiter: { hit(clientAddress: string): RateDecision };
  /**
   * Counts sign-in attempts per username (a RateLimiter keyed on `user:<name>`), so that guesses at
   * one account spread over many addresses are limited too. Unset: no per-username limit.
   */
  usernameLimiter?: { hit(key: string): RateDecision } | undefined;
  /**
   * The one-time token /api/setup asks for (printed at start, or PARLEY_SETUP_TOKEN): without it,
   * whoever reached /setup first would become administrator.
   */
  setupToken: string;
  /**
   * An LDAP directory (PARLEY_LDAP_*) that checks the passwords of usernames without a local
   * account of that name and password. Unset: only local accounts sign in with a password.
   */
  directory?: PasswordDirectory | undefined;
}

type AnyFastify<Server extends RawServerBase> = FastifyInstance<
  Server,
  RawRequestDefaultExpression<Server>,
  RawReplyDefaultExpression<Server>,
  FastifyBaseLogger
>;

/** The account the request's session cookie belongs to, or null. Also used by the signaling upgrade. */
export function sessionUserFromCookieHeader(
  accounts: AccountService,
  cookieHeader: string | undefined,
): Promise<SessionUser | null> {
  const token = readCookie(cookieHeader, SESSION_COOKIE);
  return token === undefined ? Promise.resolve(null) : accounts.sessionUser(token);
}

/**
 * GET /api/session, POST /api/setup, POST /api/login, POST /api/logout, and the signed-in
 * person's own data: GET /api/me/data, DELETE /api/me. Registered as an
 * encapsulated plugin: its error handler (every failure answers an ApiError) applies to these
 * routes only.
 */
export function registerAccountRoutes<Server extends RawServerBase>(
  app: AnyFastify<Server>,
  deps: AccountRoutesDeps,
): void {
  const { accounts, loginLimiter } = deps;

  app.register(async (scope) => {
    scope.setErrorHandler(answerError);
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.get('/api/session', async (request, reply): Promise<SessionInfo> => {
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      const user = token === undefined ? null : await accounts.sessionUser(token);
      if (token !== undefined && user === null) reply.header('set-cookie', clearedCookie(request));
      return { user: user && publicUser(user), setupNeeded: !(await accounts.hasAnyUser()) };
    });

    scope.post('/api/setup', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      if (refuseIfThrottled(request, reply)) return reply;
      if (await accounts.hasAnyUser()) return setupDone(reply);
      const credentials = SetupRequest.safeParse(request.body);
      if (!credentials.success) return invalidInput(reply, firstIssueMessage(credentials.error));
      if (!sameSecret(credentials.data.setupToken, deps.setupToken)) {
        return sendError(
          reply,
          403,
          'wrong-setup-token',
          'That setup token is not right. Use the one Parley printed when it started (or PARLEY_SETUP_TOKEN).',
        );
      }
      const user = await accounts.createFirstAdmin(credentials.data.username, credentials.data.password);
      if (user === null) return setupDone(reply);
      await signIn(request, reply, user);
      return reply.code(201).send({ user: publicUser(user) });
    });

    scope.post('/api/login', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      if (refuseIfThrottled(request, reply)) return reply;
      const credentials = LoginRequest.safeParse(request.body);
      if (!credentials.success) return invalidInput(reply, firstIssueMessage(credentials.error));
      // Counted before the password is checked (locally or by the directory), so parallel guesses
      // cannot all slip through.
      const perUser = deps.usernameLimiter?.hit(`user:${credentials.data.username}`);
      if (perUser && !perUser.allowed) return tooManyAttempts(reply, perUser.retryAfterSeconds);
      const { username, password } = credentials.data;
      let user = await accounts.verifyCredentials(username, password);
      if (user === null && deps.directory) {
        // Not a local account with this password: the directory's turn. A local account of the same
        // name is never signed in this way (signInExternal refuses the collision).
        const outcome = await deps.directory.signIn(username, password);
        if (!outcome.ok) return directoryRefusal(reply, outcome.reason);
        user = outcome.user;
      }
      if (user === null) return wrongCredentials(reply);
      await signIn(request, reply, user);
      return { user: publicUser(user) };
    });

    scope.post('/api/logout', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const token = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (token !== undefined) await accounts.deleteSession(token);
      return reply.code(204).header('set-cookie', clearedCookie(request)).send();
    });

    // The signed-in person's own data: download it (GDPR Art. 15, 20), delete it (Art. 17).
    scope.get('/api/me/data', async (request, reply) => {
      const user = await sessionUserFromCookieHeader(accounts, request.headers.cookie);
      if (user === null) return notSignedIn(reply);
      const data = await accounts.exportData(user.id);
      if (data === null) return notSignedIn(reply);
      return reply
        .header('content-disposition', 'attachment; filename="parley-my-data.json"')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(dataExport(data, new Date()), null, 2));
    });

    scope.delete('/api/me', async (request, reply) => {
      const user = await sessionUserFromCookieHeader(accounts, request.headers.cookie);
      if (user === null) return notSignedIn(reply);
      const outcome = await accounts.deleteOwnAccount(user.id);
      if (outcome === 'last-admin') {
        return sendError(
          reply,
          409,
          'last-admin',
          'This is the only administrator account, so it cannot be deleted. Make another account an administrator first.',
        );
      }
      if (outcome === 'not-found') return notSignedIn(reply);
      return reply.code(204).header('set-cookie', clearedCookie(request)).send();
    });
  });

  function refuseIfThrottled(request: FastifyRequest, reply: FastifyReply): boolean {
    const decision = loginLimiter.hit(request.ip);
    if (decision.allowed) return false;
    tooManyAttempts(reply, decision.retryAfterSeconds);
    return true;
  }

  function signIn(request: FastifyRequest, reply: FastifyReply, user: SessionUser): Promise<void> {
    return startSession(accounts, deps.config, request, reply, user);
  }

  function clearedCookie(request: FastifyRequest): string {
    return sessionCookie(deps.config, request, '', 0);
  }
}

/** Signs the account in: a new session, its token in the session cookie (also used by oidc/routes.ts). */
export async function startSession(
  accounts: AccountService,
  config: Pick<Config, 'tlsCert'>,
  request: FastifyRequest,
  reply: FastifyReply,
  user: SessionUser,
): Promise<void> {
  const token = await accounts.createSession(user.id);
  reply.header('set-cookie', sessionCookie(config, request, token, SESSION_LIFETIME_MS / 1000));
}

/**
 * Whether cookies get the Secure attribute: whenever the browser reaches Parley over HTTPS, served
 * directly (tlsCert) or through a TLS-terminating proxy that says so (request.protocol honours
 * X-Forwarded-Proto only when Fastify's trustProxy is on).
 */
export function secureCookies(config: Pick<Config, 'tlsCert'>, request: FastifyRequest): boolean {
  return config.tlsCert !== undefined || request.protocol === 'https';
}

function sessionCookie(
  config: Pick<Config, 'tlsCert'>,
  request: FastifyRequest,
  value: string,
  maxAge: number,
): string {
  return serializeCookie(SESSION_COOKIE, value, {
    maxAge,
    path: '/',
    httpOnly: true,
    secure: secureCookies(config, request),
    sameSite: 'Strict',
  });
}

function wrongCredentials(reply: FastifyReply): FastifyReply {
  return sendError(reply, 401, 'invalid-credentials', 'Wrong username or password.');
}

/** The answer to a directory sign-in that signed nobody in. */
function directoryRefusal(reply: FastifyReply, reason: LdapFailure): FastifyReply {
  switch (reason) {
    case 'refused':
      return wrongCredentials(reply);
    case 'no-username':
      return sendError(
        reply,
        403,
        'no-username',
        'Your directory account has no username Parley can use. Please ask your administrator.',
      );
    case 'username-taken':
      return sendError(
        reply,
        409,
        'username-taken',
        'A Parley account that does not come from the directory already has this username, so your directory account cannot use it. Please ask your administrator.',
      );
    case 'unavailable':
      return sendError(
        reply,
        503,
        'directory-unavailable',
        'The sign-in directory cannot be reached right now, so only accounts with a Parley password can sign in. If you have one, check the password; otherwise please try again later.',
      );
  }
}

function tooManyAttempts(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  reply.header('retry-after', String(retryAfterSeconds));
  return sendError(
    reply,
    429,
    'too-many-attempts',
    `Too many sign-in attempts. Try again in ${readableDelay(retryAfterSeconds)}.`,
  );
}

/** Compares two secrets in constant time (their hashes have equal length whatever was typed). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function publicUser(user: SessionUser): NonNullable<SessionInfo['user']> {
  return { username: user.username, role: user.role };
}

export function sendError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  const body: ApiError = { error, message };
  return reply.code(status).send(body);
}

export function notSignedIn(reply: FastifyReply): FastifyReply {
  return sendError(reply, 401, 'not-signed-in', 'Sign in first.');
}

export function invalidInput(reply: FastifyReply, message: string): FastifyReply {
  return sendError(reply, 400, 'invalid-input', message);
}

function setupDone(reply: FastifyReply): FastifyReply {
  return sendError(reply, 409, 'setup-done', 'Parley is already set up. Sign in instead.');
}

function readableDelay(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Fastify's own failures (body too large, malformed JSON, …) and unexpected ones, as ApiError. */
export function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = error.statusCode ?? 500;
  if (status === 413) return sendError(reply, 413, 'body-too-large', 'The request is too large.');
  if (status === 415) {
    return sendError(reply, 415, 'unsupported-media-type', 'Send the request as JSON (application/json).');
  }
  if (status >= 400 && status < 500) {
    return sendError(reply, status, 'bad-request', 'The request could not be read. Send valid JSON.');
  }
  request.log.error({ err: error }, 'account route failed');
  return sendError(reply, 500, 'internal-error', 'Something went wrong on the server. Please try again.');
}

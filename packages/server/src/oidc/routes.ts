import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountService } from '../accounts/account-service.js';
import { readCookie, serializeCookie } from '../accounts/cookie.js';
import { answerError, secureCookies, sendError, startSession } from '../accounts/routes.js';
import type { Config } from '../config.js';
import type { RateDecision } from '../privacy/rate-limiter.js';
import type { OidcService } from './oidc-service.js';
import { PENDING_LIFETIME_MS } from './oidc-service.js';

/** The cookie that ties the provider's answer to the browser that started the sign-in. */
export const OIDC_COOKIE = 'parley_oidc';
export const CALLBACK_PATH = '/api/oidc/callback';
const MAX_NEXT_LENGTH = 2000;

/** The public list the login page shows: ids and names of the configured providers. */
export interface OidcProviderList {
  providers: Array<{ id: string; name: string }>;
}

export interface OidcRoutesDeps {
  oidc: OidcService;
  accounts: AccountService;
  config: Pick<Config, 'tlsCert'>;
  /** Counts sign-in attempts per client address (the login RateLimiter). */
  loginLimiter: { hit(clientAddress: string): RateDecision };
}

/**
 * GET /api/oidc/providers (public: names only), GET /api/oidc/login/:id (starts the authorization
 * code flow: redirect to the provider), GET /api/oidc/callback (the provider's redirect back).
 * Failures at the callback land on /login?oidc=<reason>, which the login page explains.
 */
export function registerOidcRoutes(app: FastifyInstance, deps: OidcRoutesDeps): void {
  const { oidc } = deps;
  app.register(async (scope) => {
    scope.setErrorHandler(answerError);
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    scope.get(
      '/api/oidc/providers',
      async (): Promise<OidcProviderList> => ({ providers: oidc.providers() }),
    );

    scope.get<{ Params: { id: string }; Querystring: { next?: string } }>(
      '/api/oidc/login/:id',
      async (request, reply) => {
        const decision = deps.loginLimiter.hit(request.ip);
        if (!decision.allowed) {
          reply.header('retry-after', String(decision.retryAfterSeconds));
          return sendError(reply, 429, 'too-many-attempts', 'Too many sign-in attempts. Try again later.');
        }
        const next = safeNext(request.query.next);
        const redirectUri = oidc.redirectUri?.href ?? `${request.protocol}://${request.host}${CALLBACK_PATH}`;
        let started: Awaited<ReturnType<OidcService['begin']>>;
        try {
          started = await oidc.begin(request.params.id, redirectUri, next);
        } catch {
          // The provider could not be reached (discovery failed).
          return reply.redirect(loginPage('unavailable', next), 302);
        }
        if (started === null) {
          return sendError(reply, 404, 'unknown-provider', 'There is no such sign-in provider.');
        }
        reply.header('set-cookie', pendingCookie(request, started.handle, PENDING_LIFETIME_MS / 1000));
        return reply.redirect(started.url.href, 302);
      },
    );

    scope.get(CALLBACK_PATH, async (request, reply) => {
      const handle = readCookie(request.headers.cookie, OIDC_COOKIE);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const outcome = await oidc.finish(handle, query);
      reply.header('set-cookie', pendingCookie(request, '', 0));
      if (!outcome.ok) return reply.redirect(loginPage(outcome.reason, outcome.next), 302);
      await startSession(deps.accounts, deps.config, request, reply, outcome.user);
      return reply.redirect(outcome.next, 302);
    });
  });

  function pendingCookie(request: FastifyRequest, value: string, maxAge: number): string {
    return serializeCookie(OIDC_COOKIE, value, {
      maxAge,
      path: '/api/oidc',
      httpOnly: true,
      secure: secureCookies(deps.config, request),
      // Lax: the cookie must come along on the provider's top-level redirect back to the callback.
      sameSite: 'Lax',
    });
  }
}

/** A page on this site to return to: a local path, never `//host` or a URL elsewhere. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > MAX_NEXT_LENGTH) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

function loginPage(reason: string, next: string): string {
  const query = new URLSearchParams({ oidc: reason });
  if (next !== '/') query.set('next', next);
  return `/login?${query.toString()}`;
}

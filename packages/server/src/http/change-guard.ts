import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../accounts/routes.js';
import type { RateDecision } from '../privacy/rate-limiter.js';
import { isSameOrigin } from '../signaling/route.js';

/**
 * The guard every change of an account-bound API passes (admin, kept rooms): refused when another
 * site's page sent it (its Origin is not ours; browsers always send Origin on such requests) and when
 * this client changes too much. Returns true after answering the refusal.
 */
export function changeRefused(
  request: FastifyRequest,
  reply: FastifyReply,
  limiter: { hit(clientAddress: string): RateDecision },
): boolean {
  if (!isSameOrigin(request.headers.origin, request.host)) {
    sendError(reply, 403, 'cross-site', 'This request came from another site and was refused.');
    return true;
  }
  const decision = limiter.hit(request.ip);
  if (!decision.allowed) {
    reply.header('retry-after', String(decision.retryAfterSeconds));
    sendError(reply, 429, 'too-many-changes', 'Too many changes at once. Please wait a moment.');
    return true;
  }
  return false;
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

/**
 * One thing this node needs in order to serve: the database, Redis in a cluster… `check` resolves
 * when it is fine and rejects when not. Its error is logged by code only: messages can carry hosts
 * or URLs, and /readyz shows nothing but the names of failed checks.
 */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface OperationsOptions {
  readinessChecks: readonly ReadinessCheck[];
  metrics: Registry;
  /** When set, /metrics wants `Authorization: Bearer <token>` (PARLEY_METRICS_TOKEN). */
  metricsToken: string | undefined;
  logger: Logger;
  /** A check that has not answered by then counts as failed. Default READINESS_TIMEOUT_MS. */
  readinessTimeoutMs?: number;
}

/** Probes of load balancers and orchestrators give up after a few seconds; answer before they do. */
export const READINESS_TIMEOUT_MS = 3000;

/**
 * The endpoints for operators' tools, no session needed: GET /readyz (may this node take traffic?)
 * and GET /metrics (Prometheus). /healthz, "is the process alive", stays in app.ts.
 */
export function registerOperations(app: FastifyInstance, options: OperationsOptions): void {
  const { logger } = options;
  const timeoutMs = options.readinessTimeoutMs ?? READINESS_TIMEOUT_MS;
  const failing = new Set<string>();

  app.get('/readyz', async (_request, reply) => {
    const outcomes = await Promise.all(
      options.readinessChecks.map(async ({ name, check }) => ({
        name,
        error: await failureOf(check, timeoutMs),
      })),
    );
    for (const { name, error } of outcomes) {
      // Log changes only: probes come every few seconds.
      if (error !== null && !failing.has(name)) {
        failing.add(name);
        logger.warn({ check: name, code: errorCode(error) }, 'readiness check failing');
      } else if (error === null && failing.delete(name)) {
        logger.info({ check: name }, 'readiness check passing again');
      }
    }
    const failed = outcomes.filter((outcome) => outcome.error !== null).map((outcome) => outcome.name);
    reply.header('cache-control', 'no-store');
    if (failed.length === 0) return { ready: true };
    return reply.code(503).send({ ready: false, failed });
  });

  const expected = options.metricsToken === undefined ? null : digest(`Bearer ${options.metricsToken}`);
  app.get('/metrics', async (request, reply) => {
    if (expected !== null && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'unauthorized', message: 'Metrics need the bearer token of PARLEY_METRICS_TOKEN.' });
    }
    const text = await options.metrics.metrics();
    return reply.header('cache-control', 'no-store').type(options.metrics.contentType).send(text);
  });
}

/** null when the check passed in time, else what went wrong. */
async function failureOf(check: () => Promise<void>, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return null;
  } catch (error) {
    return error ?? new Error('failed');
  } finally {
    clearTimeout(timer);
  }
}

function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Equal-length digests, so comparing them takes the same time whatever the header holds. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

import type { FastifyInstance } from 'fastify';
import { SESSION_LIFETIME_MS } from '../accounts/session-token.js';
import type { Config } from '../config.js';
import { type PrivacyStatement, privacyStatement } from './inventory.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The statement for this server: the inventory, this configuration's retention, the operator's name. */
export function statementFor(
  config: Pick<Config, 'controllerName' | 'controllerContact' | 'ipRetentionSeconds'> &
    Partial<Pick<Config, 'keptRoomDays'>>,
): PrivacyStatement {
  return privacyStatement(
    { name: config.controllerName ?? null, contact: config.controllerContact ?? null },
    {
      ipRetentionSeconds: config.ipRetentionSeconds,
      sessionLifetimeDays: Math.round(SESSION_LIFETIME_MS / DAY_MS),
      ...(config.keptRoomDays !== undefined && { keptRoomDays: config.keptRoomDays }),
    },
  );
}

/** GET /api/privacy: the data inventory as JSON (the /privacy page renders the same for people). */
export function registerPrivacyRoutes(
  app: FastifyInstance,
  config: Pick<Config, 'controllerName' | 'controllerContact' | 'ipRetentionSeconds'> &
    Partial<Pick<Config, 'keptRoomDays'>>,
): void {
  const body = JSON.stringify(statementFor(config), null, 2);
  app.get('/api/privacy', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(body),
  );
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface PagesDeps {
  webRoot: string;
  /** /setup exists only while no account does. */
  setupNeeded(): Promise<boolean>;
  /** /admin: the app for administrators, the sign-in page for visitors, 403 for other accounts. */
  adminAccess(request: FastifyRequest): Promise<'allowed' | 'sign-in' | 'forbidden'>;
}

/** Paths of the single-page app; each serves index.html and the app routes on the client. */
const APP_PAGES = ['/', '/login', '/privacy', '/room/:name'];

/** Serves the built web app: hashed assets with long caching, index.html for every page path. */
export async function registerPages(app: FastifyInstance, deps: PagesDeps): Promise<void> {
  let indexHtml: string;
  try {
    indexHtml = await readFile(path.join(deps.webRoot, 'index.html'), 'utf8');
  } catch {
    throw new Error(`The web app is not built (${deps.webRoot} has no index.html): run "npm run build".`);
  }
  await app.register(fastifyStatic, {
    root: path.join(deps.webRoot, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
  });
  const sendIndex = (reply: import('fastify').FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
  for (const page of APP_PAGES) app.get(page, async (_request, reply) => sendIndex(reply));
  app.get('/setup', async (_request, reply) => {
    if (!(await deps.setupNeeded())) return reply.code(404).type('text/plain').send('Not found');
    return sendIndex(reply);
  });
  app.get('/admin', async (request, reply) => {
    const access = await deps.adminAccess(request);
    if (access === 'sign-in') return reply.redirect('/login?next=%2Fadmin', 303);
    // The app explains the 403 to a signed-in non-administrator (its API calls answer 403 too).
    return sendIndex(access === 'forbidden' ? reply.code(403) : reply);
  });
  // client-manifest.json: the build's commit and file hashes, for `parley verify-client` (docs/verify-client.md).
  const types: Record<string, string> = {
    'favicon.svg': 'image/svg+xml',
    'robots.txt': 'text/plain',
    'client-manifest.json': 'application/json',
  };
  for (const [file, type] of Object.entries(types)) {
    app.get(`/${file}`, async (_request, reply) => {
      try {
        const body = await readFile(path.join(deps.webRoot, file));
        return reply.type(type).header('cache-control', 'no-cache').send(body);
      } catch {
        return reply.code(404).send();
      }
    });
  }
}

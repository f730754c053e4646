import { ApiError, SessionInfo } from '@parley/protocol';

/** The small JSON API for accounts and the browser's session (shapes in @parley/protocol http.ts). */

export type SignedInUser = NonNullable<SessionInfo['user']>;

const User = SessionInfo.shape.user.unwrap();

/** `{ user }`, the answer of /api/login and /api/setup. */
function parseUser(body: unknown): SignedInUser {
  const user = typeof body === 'object' && body !== null ? (body as { user?: unknown }).user : undefined;
  return User.parse(user);
}

/** A request that failed: `status` 0 means the server could not be reached at all. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export async function fetchSession(): Promise<SessionInfo> {
  const body = await call('GET', '/api/session');
  return SessionInfo.parse(body);
}

export async function login(username: string, password: string): Promise<SignedInUser> {
  const body = await call('POST', '/api/login', { username, password });
  return parseUser(body);
}

export async function setupFirstAdmin(
  username: string,
  password: string,
  setupToken: string,
): Promise<SignedInUser> {
  const body = await call('POST', '/api/setup', { username, password, setupToken });
  return parseUser(body);
}

export async function logout(): Promise<void> {
  await call('POST', '/api/logout');
}

/** One JSON API request; a non-2xx answer becomes an ApiFailure with the server's message. */
export async function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, 'unreachable', '');
  }
  const json = await readJson(response);
  if (!response.ok) {
    const error = ApiError.safeParse(json);
    throw error.success
      ? new ApiFailure(response.status, error.data.error, error.data.message)
      : new ApiFailure(response.status, 'unknown', '');
  }
  return json;
}

async function readJson(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

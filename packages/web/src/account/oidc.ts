import { z } from 'zod';
import { call } from './api';

/** What /api/oidc/providers lists: the single sign-on providers the operator configured. */
const ProviderList = z.object({
  providers: z.array(z.object({ id: z.string().max(16), name: z.string().max(64) })).max(10),
});

export type OidcProvider = z.infer<typeof ProviderList>['providers'][number];

/** The configured providers; none when the server has none or cannot say. */
export async function fetchOidcProviders(): Promise<OidcProvider[]> {
  try {
    const parsed = ProviderList.safeParse(await call('GET', '/api/oidc/providers'));
    return parsed.success ? parsed.data.providers : [];
  } catch {
    return [];
  }
}

/** Where the browser goes to sign in with a provider (the server redirects on to it). */
export function oidcLoginPath(providerId: string, next: string): string {
  const path = `/api/oidc/login/${encodeURIComponent(providerId)}`;
  return next === '/' ? path : `${path}?next=${encodeURIComponent(next)}`;
}

/** The explanation key for /login?oidc=<reason>, the server's answer to a failed sign-in. */
export function oidcErrorKey(
  reason: string | null,
):
  | 'login.oidcError.expired'
  | 'login.oidcError.failed'
  | 'login.oidcError.unavailable'
  | 'login.oidcError.noUsername'
  | 'login.oidcError.usernameTaken'
  | null {
  switch (reason) {
    case 'expired':
      return 'login.oidcError.expired';
    case 'failed':
      return 'login.oidcError.failed';
    case 'unavailable':
      return 'login.oidcError.unavailable';
    case 'no-username':
      return 'login.oidcError.noUsername';
    case 'username-taken':
      return 'login.oidcError.usernameTaken';
    default:
      return null;
  }
}

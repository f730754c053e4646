// A real OpenID Connect provider (oidc-provider) for the OIDC sign-in tests, run in a child process
// on loopback. Configuration in the environment:
//   OIDC_REDIRECT_URI  the one redirect URI of the one client (`parley`, secret `parley-test-secret`)
// Prints one JSON line `{"issuer": "http://127.0.0.1:<port>"}` once it listens.
// Accounts: their id is the login name typed at the provider's development login form (any password).
import http from 'node:http';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  alice: { preferred_username: 'alice', groups: ['parley-admins', 'staff'] },
  bob: { preferred_username: 'bob', groups: ['staff'] },
  carol: { preferred_username: 'carol', groups: [] },
  nameless: { groups: [] },
};

const redirectUri = process.env.OIDC_REDIRECT_URI;
if (!redirectUri) throw new Error('OIDC_REDIRECT_URI is not set');

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'parley',
        client_secret: 'parley-test-secret',
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'] },
    // Profile claims in the ID token too, as Keycloak does with its default mappers.
    conformIdTokenClaims: false,
    cookies: { keys: ['parley-oidc-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const claims = ACCOUNTS[id];
      if (claims === undefined) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
    // Consent granted at once: the flow is login form, then straight back to the client.
    async loadExistingGrant(ctx) {
      if (!ctx.oidc.session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile');
      grant.addOIDCClaims(['preferred_username', 'groups']);
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));

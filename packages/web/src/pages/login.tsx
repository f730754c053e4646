import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, login } from '../account/api';
import { fetchOidcProviders, type OidcProvider, oidcErrorKey, oidcLoginPath } from '../account/oidc';
import { refreshSession } from '../account/session';
import { t } from '../i18n';
import { navigate } from '../routing/navigation';
import { PageShell } from '../ui/page-shell';

export function LoginPage({ next }: { next: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [providers, setProviders] = useState<OidcProvider[]>([]);
  // A failed single sign-on comes back as /login?oidc=<reason>.
  const [oidcError] = useState(() => oidcErrorKey(new URLSearchParams(window.location.search).get('oidc')));

  useEffect(() => {
    let live = true;
    void fetchOidcProviders().then((list) => {
      if (live) setProviders(list);
    });
    return () => {
      live = false;
    };
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      await refreshSession();
      navigate(next, { replace: true });
    } catch (failure) {
      setError(loginErrorMessage(failure));
      setBusy(false);
    }
  };

  return (
    <PageShell title={t('login.title')} narrow>
      <h1 class="page-title">{t('login.title')}</h1>
      {oidcError && (
        <p class="field-error" role="alert" data-testid="login-oidc-error">
          {t(oidcError)}
        </p>
      )}
      {providers.length > 0 && (
        <section class="card form" aria-labelledby="login-oidc-heading">
          <h2 id="login-oidc-heading">{t('login.oidcHeading')}</h2>
          {providers.map((provider) => (
            <a
              key={provider.id}
              class="button button--primary"
              data-testid="login-oidc"
              href={oidcLoginPath(provider.id, next)}
            >
              {t('login.oidc', { name: provider.name })}
            </a>
          ))}
          <p>{t('login.oidcOr')}</p>
        </section>
      )}
      <form class="card form" onSubmit={submit} noValidate>
        <label for="login-username">{t('login.username')}</label>
        <input
          id="login-username"
          data-testid="login-username"
          name="username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <label for="login-password">{t('login.password')}</label>
        <input
          id="login-password"
          data-testid="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        {error && (
          <p class="field-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button
          type="submit"
          class="button button--primary"
          data-testid="login-submit"
          aria-busy={busy || undefined}
        >
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
    </PageShell>
  );
}

function loginErrorMessage(failure: unknown): string {
  if (!(failure instanceof ApiFailure)) return t('error.unexpected');
  if (failure.status === 0) return t('error.unreachable');
  switch (failure.code) {
    case 'invalid-credentials':
      return t('login.failed');
    // A directory (LDAP) account: the same explanations as for single sign-on.
    case 'username-taken':
      return t('login.oidcError.usernameTaken');
    case 'no-username':
      return t('login.oidcError.noUsername');
    case 'directory-unavailable':
      return t('login.directoryUnavailable');
  }
  // The server's message explains the rest, e.g. 429 (too many attempts, and for how long).
  if (failure.message) return failure.message;
  return failure.status === 401 ? t('login.failed') : t('error.unexpected');
}

import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from '@parley/protocol';
import { useState } from 'preact/hooks';
import { ApiFailure, setupFirstAdmin } from '../account/api';
import { refreshSession, session } from '../account/session';
import { t } from '../i18n';
import { Link, navigate } from '../routing/navigation';
import { useStore } from '../state/store';
import { PageShell } from '../ui/page-shell';

export function SetupPage() {
  const state = useStore(session);
  // The console line links /setup?token=…: the field comes filled in.
  const [setupToken, setSetupToken] = useState(
    () => new URLSearchParams(window.location.search).get('token') ?? '',
  );
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [alreadyDone, setAlreadyDone] = useState(false);

  if (alreadyDone || (state.status === 'ready' && !state.info.setupNeeded)) {
    return (
      <PageShell title={t('setup.title')} narrow>
        <h1 class="page-title">{t('setup.title')}</h1>
        <div class="card">
          <p role="status" data-testid="setup-done">
            {t('setup.done')}
          </p>
          <Link href="/" class="button button--secondary">
            {t('app.homeLink')}
          </Link>
        </div>
      </PageShell>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const name = username.trim().toLowerCase();
    const problem = !setupToken.trim()
      ? t('setup.missingToken')
      : !USERNAME_PATTERN.test(name)
        ? t('setup.invalidUsername')
        : password.length < MIN_PASSWORD_LENGTH
          ? t('setup.shortPassword', { min: MIN_PASSWORD_LENGTH })
          : password !== repeat
            ? t('setup.mismatch')
            : null;
    setError(problem);
    if (problem) return;
    setBusy(true);
    try {
      await setupFirstAdmin(name, password, setupToken.trim());
      await refreshSession();
      navigate('/', { replace: true });
    } catch (failure) {
      setBusy(false);
      if (failure instanceof ApiFailure && failure.status === 409) {
        setAlreadyDone(true);
        void refreshSession();
        return;
      }
      if (failure instanceof ApiFailure && failure.status === 0) setError(t('error.unreachable'));
      else if (failure instanceof ApiFailure && failure.message) setError(failure.message);
      else setError(t('error.unexpected'));
    }
  };

  return (
    <PageShell title={t('setup.title')} narrow>
      <h1 class="page-title">{t('setup.title')}</h1>
      <form class="card form" onSubmit={submit} noValidate>
        <p>{t('setup.intro')}</p>
        <label for="setup-token">{t('setup.token')}</label>
        <input
          id="setup-token"
          data-testid="setup-token"
          name="setup-token"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          required
          aria-describedby="setup-token-hint"
          value={setupToken}
          onInput={(event) => setSetupToken(event.currentTarget.value)}
        />
        <p id="setup-token-hint" class="hint">
          {t('setup.tokenHint')}
        </p>
        <label for="setup-username">{t('setup.username')}</label>
        <input
          id="setup-username"
          data-testid="setup-username"
          name="username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          aria-describedby="setup-username-hint"
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <p id="setup-username-hint" class="hint">
          {t('setup.usernameHint')}
        </p>
        <label for="setup-password">{t('setup.password')}</label>
        <input
          id="setup-password"
          data-testid="setup-password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          aria-describedby="setup-password-hint"
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <p id="setup-password-hint" class="hint">
          {t('setup.passwordHint', { min: MIN_PASSWORD_LENGTH })}
        </p>
        <label for="setup-repeat">{t('setup.repeat')}</label>
        <input
          id="setup-repeat"
          data-testid="setup-repeat"
          name="repeat"
          type="password"
          autocomplete="new-password"
          required
          value={repeat}
          onInput={(event) => setRepeat(event.currentTarget.value)}
        />
        {error && (
          <p class="field-error" role="alert" data-testid="setup-error">
            {error}
          </p>
        )}
        <button
          type="submit"
          class="button button--primary"
          data-testid="setup-submit"
          aria-busy={busy || undefined}
        >
          {busy ? t('setup.busy') : t('setup.submit')}
        </button>
      </form>
    </PageShell>
  );
}

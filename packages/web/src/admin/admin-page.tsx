import type { AccountRole, AdminAccount } from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { session } from '../account/session';
import { t } from '../i18n';
import { Link } from '../routing/navigation';
import { loginPath } from '../routing/routes';
import { useStore } from '../state/store';
import { PageShell } from '../ui/page-shell';
import { messageOf } from './admin-messages';
import { addAccount, changeRole, deleteAccount, listAccounts } from './api';
import { Settings } from './instance-settings';

/**
 * /admin: administrators manage accounts (what `npm run parley -- user …` does) and the instance
 * settings. The server checks every request itself; this page only shows what it answers.
 */
export function AdminPage() {
  const state = useStore(session);
  const user = state.status === 'ready' ? state.info.user : null;
  return (
    <PageShell title={t('admin.title')}>
      <h1 class="page-title">{t('admin.title')}</h1>
      {state.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {state.status === 'unreachable' && (
        <p class="notice notice--error" role="alert">
          {t('error.unreachable')}
        </p>
      )}
      {state.status === 'ready' && user === null && (
        <p class="notice">
          {t('admin.signInFirst')} <Link href={loginPath('/admin')}>{t('home.signIn.link')}</Link>
        </p>
      )}
      {user !== null && user.role !== 'admin' && (
        <p class="notice notice--error" role="alert" data-testid="admin-forbidden">
          {t('admin.forbidden')}
        </p>
      )}
      {user?.role === 'admin' && <Administration self={user.username} />}
    </PageShell>
  );
}

function Administration({ self }: { self: string }) {
  const [accounts, setAccounts] = useState<AdminAccount[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const reload = async () => {
    try {
      setAccounts(await listAccounts());
      setLoadError(null);
    } catch (failure) {
      setLoadError(messageOf(failure));
    }
  };
  useEffect(() => {
    void reload();
  }, []);
  return (
    <>
      <p class="lead">{t('admin.intro')}</p>
      <section class="card admin-section" aria-labelledby="admin-accounts-title">
        <h2 id="admin-accounts-title">{t('admin.accounts.title')}</h2>
        {loadError !== null && (
          <p class="field-error" role="alert">
            {loadError}
          </p>
        )}
        {accounts === null && loadError === null && <p role="status">{t('app.loading')}</p>}
        {accounts !== null && <AccountTable accounts={accounts} self={self} onChanged={reload} />}
      </section>
      <div class="cards admin-cards">
        <AddAccount onAdded={reload} />
        <Settings />
      </div>
    </>
  );
}

function AccountTable({
  accounts,
  self,
  onChanged,
}: {
  accounts: AdminAccount[];
  self: string;
  onChanged: () => Promise<void>;
}) {
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  return (
    <>
      <div class="admin-table-scroll">
        <table class="admin-table">
          <caption class="visually-hidden">{t('admin.accounts.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.accounts.username')}</th>
              <th scope="col">{t('admin.accounts.role')}</th>
              <th scope="col" class="admin-table__created">
                {t('admin.accounts.created')}
              </th>
              <th scope="col">{t('admin.accounts.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((account) => (
              <AccountRow
                key={account.username}
                account={account}
                isSelf={account.username === self}
                onChanged={onChanged}
                onMessage={setMessage}
              />
            ))}
          </tbody>
        </table>
      </div>
      <p class="hint">{t('admin.selfDelete')}</p>
      {/* Always present, so screen readers announce what changes inside it. */}
      <p
        class={message?.error ? 'field-error' : 'hint'}
        role={message?.error ? 'alert' : 'status'}
        data-testid="admin-message"
      >
        {message?.text ?? ''}
      </p>
    </>
  );
}

function AccountRow({
  account,
  isSelf,
  onChanged,
  onMessage,
}: {
  account: AdminAccount;
  isSelf: boolean;
  onChanged: () => Promise<void>;
  onMessage: (message: { text: string; error: boolean }) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const { username } = account;
  // Keyboard users land on the question's answer, not back at the top of the page.
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const setRole = async (role: AccountRole) => {
    setBusy(true);
    try {
      await changeRole(username, role);
      onMessage({ text: t('admin.roleChanged', { username, role: roleName(role) }), error: false });
    } catch (failure) {
      onMessage({ text: messageOf(failure), error: true });
    } finally {
      setBusy(false);
      await onChanged();
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await deleteAccount(username);
      onMessage({ text: t('admin.deleted', { username }), error: false });
    } catch (failure) {
      onMessage({ text: messageOf(failure), error: true });
      setBusy(false);
      setConfirming(false);
    }
    await onChanged();
  };

  return (
    <tr data-testid="admin-user" data-name={username} data-role={account.role}>
      <th scope="row">
        {username}
        {isSelf && <span class="hint"> {t('admin.you')}</span>}
      </th>
      <td>
        <select
          aria-label={t('admin.roleOf', { username })}
          data-testid="admin-role"
          value={account.role}
          disabled={busy}
          onChange={(event) => void setRole(event.currentTarget.value as AccountRole)}
        >
          <option value="user">{roleName('user')}</option>
          <option value="admin">{roleName('admin')}</option>
        </select>
      </td>
      <td class="admin-table__created">
        <time dateTime={account.createdAt}>{new Date(account.createdAt).toLocaleDateString()}</time>
      </td>
      <td>
        {isSelf ? null : confirming ? (
          <fieldset class="admin-confirm">
            <legend>{t('admin.confirmDelete', { username })}</legend>
            <div class="actions actions--tight">
              <button
                ref={confirmButton}
                type="button"
                class="button button--danger button--small"
                data-testid="admin-delete-confirm"
                disabled={busy}
                onClick={remove}
              >
                {t('admin.deleteForGood', { username })}
              </button>
              <button
                type="button"
                class="button button--quiet button--small"
                disabled={busy}
                onClick={() => setConfirming(false)}
              >
                {t('admin.cancel')}
              </button>
            </div>
          </fieldset>
        ) : (
          <button
            type="button"
            class="button button--quiet button--small"
            data-testid="admin-delete"
            aria-label={t('admin.deleteOf', { username })}
            onClick={() => setConfirming(true)}
          >
            {t('admin.delete')}
          </button>
        )}
      </td>
    </tr>
  );
}

function AddAccount({ onAdded }: { onAdded: () => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<AccountRole>('user');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ text: string; error: boolean } | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await addAccount(username, password, role);
      setResult({ text: t('admin.added', { username: username.trim().toLowerCase() }), error: false });
      setUsername('');
      setPassword('');
      setRole('user');
      await onAdded();
    } catch (failure) {
      setResult({ text: messageOf(failure), error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="admin-add-title">
      <h2 id="admin-add-title">{t('admin.add.title')}</h2>
      <form onSubmit={submit} noValidate>
        <label for="admin-add-username">{t('login.username')}</label>
        <input
          id="admin-add-username"
          data-testid="admin-add-username"
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          required
        />
        <label for="admin-add-password">{t('login.password')}</label>
        <input
          id="admin-add-password"
          data-testid="admin-add-password"
          type="password"
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
          autocomplete="new-password"
          aria-describedby="admin-add-password-hint"
          required
        />
        <p id="admin-add-password-hint" class="hint">
          {t('admin.add.passwordHint')}
        </p>
        <label for="admin-add-role">{t('admin.accounts.role')}</label>
        <select
          id="admin-add-role"
          data-testid="admin-add-role"
          value={role}
          onChange={(event) => setRole(event.currentTarget.value as AccountRole)}
        >
          <option value="user">{roleName('user')}</option>
          <option value="admin">{roleName('admin')}</option>
        </select>
        <button type="submit" class="button button--primary" data-testid="admin-add-submit" disabled={busy}>
          {t('admin.add.submit')}
        </button>
        <p
          class={result?.error ? 'field-error' : 'hint'}
          role={result?.error ? 'alert' : 'status'}
          data-testid="admin-add-message"
        >
          {result?.text ?? ''}
        </p>
      </form>
    </section>
  );
}

function roleName(role: AccountRole): string {
  return role === 'admin' ? t('admin.role.admin') : t('admin.role.user');
}

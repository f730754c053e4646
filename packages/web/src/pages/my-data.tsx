import { ApiError } from '@parley/protocol';
import { useState } from 'preact/hooks';
import { refreshSession, session } from '../account/session';
import { t } from '../i18n';
import { useStore } from '../state/store';

type Step =
  | { kind: 'idle' }
  | { kind: 'confirming' }
  | { kind: 'deleting' }
  | { kind: 'deleted' }
  | { kind: 'failed'; message: string };

/**
 * One's own data on the /privacy page: a signed-in person downloads everything kept about their
 * account (GET /api/me/data, a JSON file) or deletes the account (DELETE /api/me) after confirming.
 */
export function MyData() {
  const state = useStore(session);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const user = state.status === 'ready' ? state.info.user : null;

  if (step.kind === 'deleted') {
    return (
      <section class="card" aria-labelledby="my-data-title">
        <h2 id="my-data-title">{t('myData.title')}</h2>
        <p role="status" data-testid="my-data-message">
          {t('myData.deleted')}
        </p>
      </section>
    );
  }
  if (state.status !== 'ready') return null;
  if (user === null) {
    return (
      <section class="card" aria-labelledby="my-data-title">
        <h2 id="my-data-title">{t('myData.title')}</h2>
        <p>{t('myData.guest')}</p>
      </section>
    );
  }

  const remove = async () => {
    setStep({ kind: 'deleting' });
    const message = await deleteAccount();
    if (message === null) {
      setStep({ kind: 'deleted' });
      await refreshSession();
    } else {
      setStep({ kind: 'failed', message });
    }
  };

  return (
    <section class="card" aria-labelledby="my-data-title">
      <h2 id="my-data-title">{t('myData.title')}</h2>
      <p>{t('myData.intro', { username: user.username })}</p>
      <div class="actions">
        <a class="button button--secondary" href="/api/me/data" download data-testid="my-data-download">
          {t('myData.download')}
        </a>
        {step.kind === 'idle' || step.kind === 'failed' ? (
          <button
            type="button"
            class="button button--quiet"
            data-testid="my-data-delete"
            onClick={() => setStep({ kind: 'confirming' })}
          >
            {t('myData.delete')}
          </button>
        ) : null}
      </div>
      {(step.kind === 'confirming' || step.kind === 'deleting') && (
        <div class="notice notice--error" role="alertdialog" aria-labelledby="my-data-confirm">
          <p id="my-data-confirm">{t('myData.confirm')}</p>
          <div class="actions">
            <button
              type="button"
              class="button button--danger"
              data-testid="my-data-delete-confirm"
              disabled={step.kind === 'deleting'}
              onClick={remove}
            >
              {step.kind === 'deleting' ? t('myData.deleting') : t('myData.confirmDelete')}
            </button>
            <button
              type="button"
              class="button button--quiet"
              disabled={step.kind === 'deleting'}
              onClick={() => setStep({ kind: 'idle' })}
            >
              {t('myData.cancel')}
            </button>
          </div>
        </div>
      )}
      {step.kind === 'failed' && (
        <p class="field-error" role="alert" data-testid="my-data-message">
          {step.message}
        </p>
      )}
    </section>
  );
}

/** Deletes the signed-in account; null when done, otherwise a message to show. */
async function deleteAccount(): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch('/api/me', { method: 'DELETE', credentials: 'same-origin' });
  } catch {
    return t('error.unreachable');
  }
  if (response.ok) return null;
  const body = ApiError.safeParse(await response.json().catch(() => null));
  return body.success ? body.data.message : t('error.unexpected');
}

import type { MeetingStarters } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { messageOf } from './admin-messages';
import { fetchSettings, saveSettings } from './api';

/** The instance settings on /admin: who may start meetings. */
export function Settings() {
  const [starters, setStarters] = useState<MeetingStarters | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ text: string; error: boolean } | null>(null);
  useEffect(() => {
    fetchSettings()
      .then((settings) => setStarters(settings.meetingStarters))
      .catch((failure: unknown) => setResult({ text: messageOf(failure), error: true }));
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (starters === null) return;
    setBusy(true);
    try {
      const saved = await saveSettings({ meetingStarters: starters });
      setStarters(saved.meetingStarters);
      setResult({ text: t('admin.settings.saved'), error: false });
    } catch (failure) {
      setResult({ text: messageOf(failure), error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="admin-settings-title">
      <h2 id="admin-settings-title">{t('admin.settings.title')}</h2>
      <form onSubmit={submit}>
        <fieldset class="admin-choice" disabled={starters === null}>
          <legend>{t('admin.settings.starters')}</legend>
          {(['everyone', 'admins'] as const).map((value) => (
            <label key={value} class="admin-choice__option">
              <input
                type="radio"
                name="meeting-starters"
                value={value}
                data-testid={`admin-starters-${value}`}
                checked={starters === value}
                onChange={() => setStarters(value)}
              />
              {value === 'everyone' ? t('admin.settings.everyone') : t('admin.settings.admins')}
            </label>
          ))}
        </fieldset>
        <p class="hint">{t('admin.settings.startersHint')}</p>
        <button
          type="submit"
          class="button button--primary"
          data-testid="admin-settings-save"
          disabled={busy || starters === null}
        >
          {t('admin.settings.save')}
        </button>
        <p
          class={result?.error ? 'field-error' : 'hint'}
          role={result?.error ? 'alert' : 'status'}
          data-testid="admin-settings-message"
        >
          {result?.text ?? ''}
        </p>
      </form>
    </section>
  );
}

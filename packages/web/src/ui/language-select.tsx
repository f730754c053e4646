import { useId } from 'preact/hooks';
import { LANGUAGES, type LanguageCode, languageStore, setLanguage, t } from '../i18n';
import { useStore } from '../state/store';

/** The language switch (`language` test id); each language is named in itself. */
export function LanguageSelect({ compact = false }: { compact?: boolean }) {
  const current = useStore(languageStore);
  const id = useId();
  return (
    <span class={compact ? 'language language--compact' : 'language'}>
      <label for={id} class={compact ? 'visually-hidden' : 'language__label'}>
        {t('language.label')}
      </label>
      <select
        id={id}
        class="language__select"
        data-testid="language"
        value={current}
        onChange={(event) => setLanguage(event.currentTarget.value as LanguageCode)}
      >
        {(Object.keys(LANGUAGES) as LanguageCode[]).map((code) => (
          <option key={code} value={code} lang={code}>
            {t(`language.${code}`)}
          </option>
        ))}
      </select>
    </span>
  );
}

import { useEffect } from 'preact/hooks';
import { t } from '../i18n';

/** Sets the browser tab's title ("<page> – Parley"), which screen readers announce on navigation. */
export function useDocumentTitle(page: string | null): void {
  useEffect(() => {
    document.title = page ? t('app.pageTitle', { page }) : t('app.name');
  }, [page]);
}

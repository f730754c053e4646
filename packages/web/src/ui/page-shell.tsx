import type { ComponentChildren } from 'preact';
import { t } from '../i18n';
import { Link } from '../routing/navigation';
import { LanguageSelect } from './language-select';
import { useDocumentTitle } from './use-document-title';

/** The frame of every page except the meeting itself: header, main content, footer. */
interface PageShellProps {
  children: ComponentChildren;
  /** The page's name for the browser tab; null for the start page. */
  title: string | null;
  narrow?: boolean;
}

export function PageShell({ children, title, narrow = false }: PageShellProps) {
  useDocumentTitle(title);
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header class="shell__header">
        <Link href="/" class="brand">
          <span class="brand__mark" aria-hidden="true" />
          {t('app.name')}
        </Link>
        <LanguageSelect compact />
      </header>
      <main id="main" class={narrow ? 'shell__main shell__main--narrow' : 'shell__main'} tabIndex={-1}>
        {children}
      </main>
      <footer class="shell__footer">
        <Link href="/privacy">{t('app.privacyLink')}</Link>
      </footer>
    </div>
  );
}

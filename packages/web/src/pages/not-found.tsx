import { t } from '../i18n';
import { Link } from '../routing/navigation';
import { PageShell } from '../ui/page-shell';

export function NotFoundPage() {
  return (
    <PageShell title={t('notFound.title')} narrow>
      <h1 class="page-title">{t('notFound.title')}</h1>
      <p>{t('notFound.text')}</p>
      <Link href="/" class="button button--secondary">
        {t('app.homeLink')}
      </Link>
    </PageShell>
  );
}

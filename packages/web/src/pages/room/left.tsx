import type { EventOf } from '@parley/protocol';
import { t } from '../../i18n';
import { Link } from '../../routing/navigation';
import { PageShell } from '../../ui/page-shell';

export type LeftReason = 'left' | EventOf<'room-closed'>['reason'];

/** After the meeting: you left, or it ended for everyone. */
export function LeftScreen({ reason, onRejoin }: { reason: LeftReason; onRejoin: () => void }) {
  const title = reason === 'left' ? t('left.title') : t('left.ended');
  return (
    <PageShell title={title} narrow>
      <div class="card left" data-testid="left-meeting" data-reason={reason}>
        <h1 class="page-title">{title}</h1>
        {reason === 'server-shutdown' && <p>{t('left.serverShutdown')}</p>}
        <div class="actions">
          <button type="button" class="button button--primary" data-testid="rejoin" onClick={onRejoin}>
            {t('left.rejoin')}
          </button>
          <Link href="/" class="button button--secondary">
            {t('left.home')}
          </Link>
        </div>
      </div>
    </PageShell>
  );
}

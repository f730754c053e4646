import type { EndReason } from '../../conference/meeting';
import { t } from '../../i18n';
import { Link } from '../../routing/navigation';
import { PageShell } from '../../ui/page-shell';

export type LeftReason = 'left' | EndReason;

interface LeftScreenProps {
  reason: LeftReason;
  /** We ended the meeting ourselves (as a moderator). */
  endedBySelf?: boolean;
  onRejoin: () => void;
}

/** After the meeting: you left, it ended for everyone, or a moderator removed you. */
export function LeftScreen({ reason, endedBySelf = false, onRejoin }: LeftScreenProps) {
  const title =
    reason === 'left'
      ? t('left.title')
      : reason === 'removed'
        ? t('left.removed')
        : reason === 'ended'
          ? endedBySelf
            ? t('left.endedBySelf')
            : t('left.endedByHost')
          : t('left.ended');
  return (
    <PageShell title={title} narrow>
      <div class="card left" data-testid="left-meeting" data-reason={reason}>
        <h1 class="page-title">{title}</h1>
        {reason === 'server-shutdown' && <p>{t('left.serverShutdown')}</p>}
        {reason === 'removed' && <p>{t('left.removedHint')}</p>}
        <div class="actions">
          <button type="button" class="button button--primary" data-testid="rejoin" onClick={onRejoin}>
            {reason === 'removed' ? t('left.askToRejoin') : t('left.rejoin')}
          </button>
          <Link href="/" class="button button--secondary">
            {t('left.home')}
          </Link>
        </div>
      </div>
    </PageShell>
  );
}

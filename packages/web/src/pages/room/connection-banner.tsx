import type { MeetingState } from '../../conference/meeting';
import { t } from '../../i18n';
import { Banner } from '../../ui/banner';

/**
 * What the connection is doing, when it is not simply fine: getting back in on its own after a drop
 * (a polite live region — it usually resolves itself), or lost for good with a "Rejoin" button.
 */
export function ConnectionBanner({
  connection,
  onRejoin,
}: {
  connection: MeetingState['connection'];
  onRejoin: () => void;
}) {
  if (connection === 'ok') return null;
  if (connection === 'reconnecting') {
    return (
      <div class="banner banner--status" role="status" aria-live="polite" data-testid="reconnecting">
        <span class="spinner" aria-hidden="true" />
        <div class="banner__text">{t('meeting.reconnecting')}</div>
      </div>
    );
  }
  return (
    <Banner
      testId="connection-lost"
      actions={
        <button type="button" class="button button--secondary" onClick={onRejoin}>
          {t('meeting.rejoin')}
        </button>
      }
    >
      {connection === 'signaling-lost' ? t('meeting.connectionLost') : t('meeting.mediaLost')}
    </Banner>
  );
}

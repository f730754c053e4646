import type { ParticipantInfo } from '@parley/protocol';
import { useState } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import type { CodeReason } from '../../e2ee/e2ee-session';
import { type MessageKey, t } from '../../i18n';
import { useStore } from '../../state/store';
import { Banner } from '../../ui/banner';

const STATE_LABEL: Record<'off' | 'pending' | 'on', MessageKey> = {
  off: 'e2ee.off',
  pending: 'e2ee.pending',
  on: 'e2ee.on',
};

function reasonText(reason: CodeReason | null): string {
  if (!reason) return '';
  switch (reason.kind) {
    case 'started':
      return t('e2ee.reasonStarted');
    case 'joined':
      return t('e2ee.reasonJoined', { names: reason.names.join(', ') });
    case 'left':
      return t('e2ee.reasonLeft', { names: reason.names.join(', ') });
    case 'changed':
      return t('e2ee.reasonChanged');
  }
}

/**
 * The meeting header's encryption control: the state (`e2ee-state`), the switch any participant may
 * press (`e2ee-toggle`) and, while encrypted, the meeting security code with why it last changed.
 */
export function E2eeControl({ meeting }: { meeting: Meeting }) {
  const e2ee = useStore(meeting.e2ee.state);
  const [busy, setBusy] = useState(false);
  const [digits, setDigits] = useState(false);
  const toggle = () => {
    setBusy(true);
    const action = e2ee.state === 'off' ? meeting.e2ee.enable() : meeting.e2ee.disable();
    action.catch(() => undefined).finally(() => setBusy(false));
  };
  return (
    <div class="e2ee">
      <span class={`e2ee__state e2ee__state--${e2ee.state}`} data-testid="e2ee-state" data-state={e2ee.state}>
        {t(STATE_LABEL[e2ee.state])}
      </span>
      <button
        type="button"
        class="button button--quiet"
        data-testid="e2ee-toggle"
        aria-pressed={e2ee.state !== 'off'}
        disabled={busy || !e2ee.supported}
        title={e2ee.supported ? undefined : t('e2ee.unsupported')}
        onClick={toggle}
      >
        {e2ee.state === 'off' ? t('e2ee.enable') : t('e2ee.disable')}
      </button>
      {e2ee.code && e2ee.state !== 'off' && (
        <div class="e2ee__code" data-testid="e2ee-code">
          <span class="e2ee__code-label">{t('e2ee.code')}</span>{' '}
          <button
            type="button"
            class="e2ee__code-value"
            data-testid="e2ee-code-value"
            aria-pressed={digits}
            title={t('e2ee.codeHint')}
            onClick={() => setDigits((shown) => !shown)}
          >
            {digits ? e2ee.code.digits.join(' ') : e2ee.code.emoji.join(' ')}
          </button>{' '}
          <span class="e2ee__code-reason" data-testid="e2ee-code-reason">
            {reasonText(e2ee.codeReason)}
          </span>
        </div>
      )}
    </div>
  );
}

/** Banners that must not be missed: encryption switched off by someone, a roster mismatch, an unsupported browser. */
export function E2eeBanners({
  meeting,
  participants,
}: {
  meeting: Meeting;
  participants: readonly ParticipantInfo[];
}) {
  const e2ee = useStore(meeting.e2ee.state);
  const name = (id: string) => participants.find((p) => p.id === id)?.displayName ?? '';
  return (
    <>
      {e2ee.switchedOffBy !== null && (
        <Banner
          testId="e2ee-switched-off"
          actions={
            <button
              type="button"
              class="button button--quiet"
              onClick={() => meeting.e2ee.dismissSwitchedOff()}
            >
              {t('meeting.dismiss')}
            </button>
          }
        >
          {t('e2ee.switchedOff', { name: name(e2ee.switchedOffBy) || t('e2ee.off') })}
        </Banner>
      )}
      {e2ee.rosterMismatch && <Banner testId="e2ee-roster-mismatch">{t('e2ee.rosterMismatch')}</Banner>}
      {!e2ee.supported && e2ee.state !== 'off' && (
        <Banner testId="e2ee-unsupported">{t('e2ee.unsupported')}</Banner>
      )}
    </>
  );
}

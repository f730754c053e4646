import type { ParticipantInfo } from '@parley/protocol';
import { useState } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import type { CodeReason, E2eeAlarm } from '../../e2ee/e2ee-session';
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

function alarmText(alarm: E2eeAlarm): string {
  const names = alarm.names.join(', ');
  if (alarm.kind === 'unproven-off')
    return t('e2ee.alarm.unproven-off', { by: names ? t('e2ee.alarm.by', { names }) : '' });
  return t(`e2ee.alarm.${alarm.kind}`, { names });
}

/**
 * The meeting header's encryption control: the state (`e2ee-state`), the switch (`e2ee-toggle`:
 * anyone may switch on; only those the group's policy names may switch off) and, while encrypted,
 * the meeting security code with why it last changed.
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
        disabled={busy || !e2ee.supported || (e2ee.state === 'on' && !e2ee.mayDisable)}
        title={
          !e2ee.supported
            ? t('e2ee.unsupported')
            : e2ee.state === 'on' && !e2ee.mayDisable
              ? t('e2ee.offPolicy', { names: e2ee.offPolicy.join(', ') })
              : undefined
        }
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
          </span>{' '}
          <span class="e2ee__policy" data-testid="e2ee-off-policy">
            {t('e2ee.offPolicy', { names: e2ee.offPolicy.join(', ') })}
          </span>
        </div>
      )}
    </div>
  );
}

/**
 * Banners that must not be missed: encryption switched off by a member (with media held until the
 * user chooses), alarms about what the server or a member tried, an unsupported browser.
 */
export function E2eeBanners({ meeting }: { meeting: Meeting; participants: readonly ParticipantInfo[] }) {
  const e2ee = useStore(meeting.e2ee.state);
  const off = e2ee.switchedOff;
  return (
    <>
      {off && (
        <Banner
          testId="e2ee-switched-off"
          actions={
            off.held ? (
              <>
                <button
                  type="button"
                  class="button"
                  data-testid="e2ee-continue-clear"
                  onClick={() => meeting.e2ee.continueWithoutEncryption()}
                >
                  {t('e2ee.continueClear')}
                </button>
                <button
                  type="button"
                  class="button button--quiet"
                  data-testid="e2ee-leave"
                  onClick={() => meeting.e2ee.leaveInstead()}
                >
                  {t('e2ee.leaveInstead')}
                </button>
              </>
            ) : (
              <button
                type="button"
                class="button button--quiet"
                onClick={() => meeting.e2ee.dismissSwitchedOff()}
              >
                {t('meeting.dismiss')}
              </button>
            )
          }
        >
          <span data-testid="e2ee-switched-off-text" data-held={off.held ? 'true' : 'false'}>
            {t(off.held ? 'e2ee.switchedOffHeld' : 'e2ee.switchedOff', { name: off.name })}
          </span>
        </Banner>
      )}
      {e2ee.alarms.map((alarm) => (
        <Banner
          key={alarm.kind}
          testId="e2ee-alarm"
          actions={
            <button
              type="button"
              class="button button--quiet"
              onClick={() => meeting.e2ee.dismissAlarm(alarm.kind)}
            >
              {t('meeting.dismiss')}
            </button>
          }
        >
          <span data-testid="e2ee-alarm-text" data-kind={alarm.kind}>
            {alarmText(alarm)}
          </span>
        </Banner>
      ))}
      {e2ee.rosterMismatch && <Banner testId="e2ee-roster-mismatch">{t('e2ee.rosterMismatch')}</Banner>}
      {!e2ee.supported && e2ee.state !== 'off' && (
        <Banner testId="e2ee-unsupported">{t('e2ee.unsupported')}</Banner>
      )}
    </>
  );
}

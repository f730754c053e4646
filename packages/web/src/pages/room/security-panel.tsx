import type { InvitationResult, RoomSettings } from '@parley/protocol';
import { useRef, useState } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import { language, type MessageKey, t } from '../../i18n';
import { SidePanel } from '../../ui/side-panel';
import { Switch } from '../../ui/switch';
import { useActions } from './use-action';

export const SECURITY_PANEL_ID = 'security-panel';

const DEFAULT_EXPIRY_SECONDS = 24 * 3600;
const EXPIRY_CHOICES: readonly { seconds: number; key: MessageKey }[] = [
  { seconds: 3600, key: 'security.expiry1h' },
  { seconds: DEFAULT_EXPIRY_SECONDS, key: 'security.expiry24h' },
  { seconds: 7 * 24 * 3600, key: 'security.expiry7d' },
];

interface SecurityPanelProps {
  meeting: Meeting;
  settings: RoomSettings;
  /** Moderators change the settings; everyone else sees them. */
  moderator: boolean;
  /** The invitation created last (kept by the meeting screen while the panel is closed). */
  invitation: InvitationResult | null;
  onInvitation: (invitation: InvitationResult | null) => void;
  onClose: () => void;
}

/** Who may get in: password, lobby, lock, chat history for late joiners, invitation links. */
export function SecurityPanel({
  meeting,
  settings,
  moderator,
  invitation,
  onInvitation,
  onClose,
}: SecurityPanelProps) {
  const actions = useActions();
  const { moderation } = meeting;
  const [password, setPassword] = useState('');
  const [passwordStatus, setPasswordStatus] = useState<MessageKey | null>(null);
  const [expiry, setExpiry] = useState(DEFAULT_EXPIRY_SECONDS);
  const [singleUse, setSingleUse] = useState(false);
  const [inviteStatus, setInviteStatus] = useState<MessageKey | null>(null);
  const linkRef = useRef<HTMLElement>(null);

  const savePassword = async (event: Event) => {
    event.preventDefault();
    const next = password === '' ? null : password;
    const done = await actions.run('password', () => moderation.setPassword(next));
    if (done) {
      setPassword('');
      setPasswordStatus(next === null ? 'security.passwordRemoved' : 'security.passwordSaved');
    }
  };

  const createInvitation = () =>
    void actions.run('invite', async () => {
      const result = await moderation.createInvitation({ expiresInSeconds: expiry, singleUse });
      // The server may hand out a path; people need the whole address.
      onInvitation({ ...result, url: new URL(result.url, location.origin).href });
      setInviteStatus(null);
    });

  const copyLink = async () => {
    if (!invitation) return;
    try {
      await navigator.clipboard.writeText(invitation.url);
      setInviteStatus('security.copied');
    } catch {
      // No clipboard access (e.g. plain http): select the link so it can be copied by hand.
      const link = linkRef.current;
      if (link) window.getSelection()?.selectAllChildren(link);
      setInviteStatus('security.copyByHand');
    }
  };

  const revokeAll = () =>
    void actions.run('revoke', async () => {
      await moderation.revokeInvitations();
      onInvitation(null);
      setInviteStatus('security.revoked');
    });

  return (
    <SidePanel id={SECURITY_PANEL_ID} title={t('security.title')} onClose={onClose} testId="security-panel">
      {!moderator && <p class="hint">{t('security.readOnly')}</p>}
      {actions.error && (
        <p class="notice notice--error" role="alert">
          {t(actions.error.key, actions.error.params)}
        </p>
      )}

      <section class="panel__section" aria-labelledby="security-password-title">
        <h3 id="security-password-title" class="panel__subtitle">
          {t('security.password')}
        </h3>
        <p data-testid="room-password-state" data-state={settings.passwordSet ? 'set' : 'unset'}>
          {settings.passwordSet ? t('security.passwordSet') : t('security.passwordNone')}
        </p>
        {moderator && (
          <form class="form" onSubmit={(event) => void savePassword(event)}>
            <label for="room-password-set">{t('security.passwordLabel')}</label>
            <div class="field-row">
              <input
                id="room-password-set"
                data-testid="room-password-set"
                type="text"
                autocomplete="off"
                spellcheck={false}
                maxLength={256}
                value={password}
                aria-describedby="room-password-hint"
                onInput={(event) => {
                  setPassword(event.currentTarget.value);
                  setPasswordStatus(null);
                }}
              />
              <button
                type="submit"
                class="button button--primary button--small"
                data-testid="room-password-save"
                aria-busy={actions.pending('password') || undefined}
              >
                {password === '' && settings.passwordSet
                  ? t('security.passwordRemove')
                  : t('security.passwordSave')}
              </button>
            </div>
            <p id="room-password-hint" class="hint">
              {t('security.passwordHint')}
            </p>
            <p class="hint" role="status">
              {passwordStatus && t(passwordStatus)}
            </p>
          </form>
        )}
      </section>

      <section class="panel__section switches" aria-label={t('security.access')}>
        <Switch
          testId="lobby-toggle"
          label={t('security.lobby')}
          on={settings.lobbyEnabled}
          disabled={!moderator}
          busy={actions.pending('lobby')}
          onChange={(on) => void actions.run('lobby', () => moderation.setLobby(on))}
        />
        <Switch
          testId="lock-toggle"
          label={t('security.lock')}
          on={settings.locked}
          disabled={!moderator}
          busy={actions.pending('lock')}
          onChange={(on) => void actions.run('lock', () => moderation.setLocked(on))}
        />
        <Switch
          testId="chat-history-toggle"
          label={t('security.chatHistory')}
          on={settings.chatHistory}
          disabled={!moderator}
          busy={actions.pending('history')}
          onChange={(on) => void actions.run('history', () => moderation.setChatHistory(on))}
        />
      </section>

      {moderator && (
        <section class="panel__section" aria-labelledby="security-invite-title">
          <h3 id="security-invite-title" class="panel__subtitle">
            {t('security.invitations')}
          </h3>
          <p class="hint">{t('security.invitationsHint')}</p>
          <div class="form">
            <label for="invite-expiry">{t('security.expiry')}</label>
            <select
              id="invite-expiry"
              data-testid="invite-expiry"
              value={String(expiry)}
              onChange={(event) => setExpiry(Number(event.currentTarget.value))}
            >
              {EXPIRY_CHOICES.map((choice) => (
                <option key={choice.seconds} value={String(choice.seconds)}>
                  {t(choice.key)}
                </option>
              ))}
            </select>
            <label class="checkbox">
              <input
                type="checkbox"
                data-testid="invite-single-use"
                checked={singleUse}
                onChange={(event) => setSingleUse(event.currentTarget.checked)}
              />
              {t('security.singleUse')}
            </label>
            <div class="actions actions--tight">
              <button
                type="button"
                class="button button--primary button--small"
                data-testid="invite-create"
                aria-busy={actions.pending('invite') || undefined}
                onClick={createInvitation}
              >
                {t('security.inviteCreate')}
              </button>
            </div>
          </div>
          {invitation && (
            <div class="invite">
              <p class="invite__label">{t('security.inviteLink')}</p>
              <code class="invite__link" data-testid="invite-link" ref={linkRef}>
                {invitation.url}
              </code>
              <p class="hint">
                {t(invitation.singleUse ? 'security.validUntilOnce' : 'security.validUntil', {
                  time: formatTime(invitation.expiresAt),
                })}
              </p>
              <button
                type="button"
                class="button button--secondary button--small"
                data-testid="invite-copy"
                onClick={() => void copyLink()}
              >
                {t('security.copy')}
              </button>
            </div>
          )}
          <p class="hint" role="status">
            {inviteStatus && t(inviteStatus)}
          </p>
          <div class="actions actions--tight">
            <button
              type="button"
              class="button button--quiet button--small"
              data-testid="invite-revoke-all"
              aria-busy={actions.pending('revoke') || undefined}
              onClick={revokeAll}
            >
              {t('security.revokeAll')}
            </button>
          </div>
        </section>
      )}
    </SidePanel>
  );
}

function formatTime(epochMs: number): string {
  return new Intl.DateTimeFormat(language(), { dateStyle: 'medium', timeStyle: 'short' }).format(epochMs);
}

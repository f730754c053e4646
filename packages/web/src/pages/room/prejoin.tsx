import { DisplayName, MAX_DISPLAY_NAME_LENGTH } from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LocalMedia } from '../../conference/local-media';
import { t } from '../../i18n';
import { ScheduledStart } from '../../kept-rooms/scheduled-start';
import { useStore } from '../../state/store';
import { CameraIcon, MicIcon } from '../../ui/icons';
import { avatarHue, initials } from '../../ui/initials';
import { VideoView } from '../../ui/media-views';
import { PageShell } from '../../ui/page-shell';
import { ToggleButton } from '../../ui/toggle-button';
import { DeviceSettings } from './device-settings';
import { type MessageRef, mediaProblemMessages } from './join-messages';
import { NoiseSuppressionToggle } from './noise-suppression-toggle';

export type PrejoinStatus = 'idle' | 'joining' | 'waiting-for-host' | 'lobby';

interface PrejoinProps {
  roomName: string;
  local: LocalMedia;
  displayName: string;
  onDisplayNameChange: (name: string) => void;
  /**
   * The name may still be filled in for the person (their username, once the session is known):
   * the field takes no typing until then, so a name being typed is never mixed with it.
   */
  displayNamePending: boolean;
  status: PrejoinStatus;
  /** Why the room cannot be joined as things are (invalid room name, last attempt failed). */
  error: MessageRef | null;
  /** The room asked for a password: the field shows, with `passwordHint` under it. */
  passwordNeeded: boolean;
  password: string;
  onPasswordChange: (password: string) => void;
  /** Joining with an invitation link (said on screen, so people know why they get straight in). */
  withInvitation: boolean;
  onJoin: (displayName: string) => void;
  onCancel: () => void;
  /** Where a host who is not signed in can sign in (shown while waiting for the host). */
  signInPath: string | null;
}

/**
 * The screen before entering a room: choose a name, check the camera, decide whether to start with
 * microphone and camera on; give the room password when asked; wait for the host or in the lobby.
 */
export function Prejoin({
  roomName,
  local,
  displayName,
  onDisplayNameChange,
  displayNamePending,
  status,
  error,
  passwordNeeded,
  password,
  onPasswordChange,
  withInvitation,
  onJoin,
  onCancel,
  signInPath,
}: PrejoinProps) {
  const media = useStore(local.state);
  const [nameError, setNameError] = useState<MessageRef | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // The field appears after the first attempt: that is where the person has to type next.
  useEffect(() => {
    if (passwordNeeded) passwordRef.current?.focus();
  }, [passwordNeeded]);

  const submit = (event: Event) => {
    event.preventDefault();
    if (status !== 'idle') return;
    const parsed = DisplayName.safeParse(displayName);
    if (!parsed.success) {
      setNameError({ key: 'joinError.invalidDisplayName', params: { max: MAX_DISPLAY_NAME_LENGTH } });
      return;
    }
    if (passwordNeeded && password === '') {
      setNameError({ key: 'prejoin.passwordMissing' });
      passwordRef.current?.focus();
      return;
    }
    setNameError(null);
    onJoin(parsed.data);
  };

  const errors = [
    ...(nameError ? [nameError] : []),
    ...(error ? [error] : []),
    ...mediaProblemMessages(media.mic.problem, media.camera.problem),
  ];
  const busy = status !== 'idle';

  return (
    <PageShell title={t('prejoin.title', { room: roomName })}>
      <div class="prejoin">
        <div class="prejoin__preview">
          <figure class="tile tile--preview" aria-label={t('prejoin.preview')}>
            {media.camera.track ? (
              <VideoView track={media.camera.track} self />
            ) : (
              <div class="tile__avatar">
                <span
                  class="avatar"
                  aria-hidden="true"
                  style={{ '--avatar-hue': String(avatarHue(displayName)) }}
                >
                  {initials(displayName)}
                </span>
                <span class="tile__status">
                  {media.camera.starting ? t('prejoin.cameraStarting') : t('prejoin.cameraOff')}
                </span>
              </div>
            )}
            <div class="preview__controls">
              <ToggleButton
                testId="toggle-mic"
                label={t('toolbar.mic')}
                on={media.mic.on}
                onToggle={() => void local.setMicOn(!media.mic.on)}
                icon={<MicIcon off={!media.mic.on} />}
                warnWhenOff
              />
              <ToggleButton
                testId="toggle-camera"
                label={t('toolbar.camera')}
                on={media.camera.on}
                onToggle={() => void local.setCameraOn(!media.camera.on)}
                icon={<CameraIcon off={!media.camera.on} />}
                warnWhenOff
                busy={media.camera.starting}
              />
              <NoiseSuppressionToggle local={local} onChange={(on) => void local.setNoiseSuppression(on)} />
            </div>
          </figure>
          <DeviceSettings local={local} />
        </div>

        <form class="prejoin__form card" onSubmit={submit} noValidate>
          <h1 class="page-title">{t('prejoin.title', { room: roomName })}</h1>
          <ScheduledStart roomName={roomName} />
          <label for="display-name">{t('prejoin.displayName')}</label>
          <input
            id="display-name"
            data-testid="display-name"
            name="displayName"
            autocomplete="nickname"
            maxLength={MAX_DISPLAY_NAME_LENGTH}
            required
            value={displayName}
            disabled={busy}
            readOnly={displayNamePending}
            aria-invalid={nameError ? true : undefined}
            aria-describedby="display-name-hint"
            onInput={(event) => {
              onDisplayNameChange(event.currentTarget.value);
              setNameError(null);
            }}
          />
          <p id="display-name-hint" class="hint">
            {t('prejoin.displayNameHint')}
          </p>

          {passwordNeeded && (
            <>
              <label for="room-password">{t('prejoin.password')}</label>
              <input
                id="room-password"
                ref={passwordRef}
                data-testid="room-password"
                name="roomPassword"
                type="password"
                autocomplete="off"
                maxLength={256}
                required
                value={password}
                disabled={busy}
                aria-describedby="room-password-hint"
                onInput={(event) => {
                  onPasswordChange(event.currentTarget.value);
                  setNameError(null);
                }}
              />
              <p id="room-password-hint" class="hint">
                {t('prejoin.passwordHint')}
              </p>
            </>
          )}
          {withInvitation && !passwordNeeded && <p class="hint">{t('prejoin.withInvitation')}</p>}

          {errors.length > 0 && (
            <div class="notice notice--error" role="alert" data-testid="join-error">
              {errors.map((message) => (
                <p key={message.key}>{t(message.key, message.params)}</p>
              ))}
            </div>
          )}

          {status === 'waiting-for-host' ? (
            <div class="waiting" role="status" data-testid="waiting-for-host">
              <span class="spinner" aria-hidden="true" />
              <div>
                <p class="waiting__title">{t('prejoin.waitingForHost')}</p>
                <p class="hint">{t('prejoin.waitingForHostHint')}</p>
                {signInPath && (
                  <p class="hint">
                    <a href={signInPath}>{t('prejoin.hostSignIn')}</a>
                  </p>
                )}
              </div>
            </div>
          ) : null}
          {status === 'lobby' && (
            <div class="waiting" role="status" data-testid="lobby-waiting">
              <span class="spinner" aria-hidden="true" />
              <div>
                <p class="waiting__title">{t('prejoin.lobbyWaiting')}</p>
                <p class="hint">{t('prejoin.lobbyWaitingHint')}</p>
              </div>
            </div>
          )}

          <div class="actions">
            {status === 'waiting-for-host' || status === 'lobby' ? (
              <button
                type="button"
                class="button button--secondary"
                data-testid="cancel-join"
                onClick={onCancel}
              >
                {t('prejoin.cancel')}
              </button>
            ) : (
              <button
                type="submit"
                class="button button--primary button--large"
                data-testid="join"
                disabled={busy}
                aria-busy={busy || undefined}
              >
                {busy ? t('prejoin.joining') : t('prejoin.join')}
              </button>
            )}
          </div>
        </form>
      </div>
    </PageShell>
  );
}

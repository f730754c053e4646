import type { LobbyEntry, ParticipantInfo } from '@parley/protocol';
import { useState } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { MicIcon } from '../../ui/icons';
import { avatarHue, initials } from '../../ui/initials';
import { SidePanel } from '../../ui/side-panel';
import { BreakoutSection } from './breakout-section';
import { HandQueue } from './hand-queue';
import { ListeningControls } from './listening-controls';
import { sends } from './participant-media';
import { RecordingPermitButton } from './recording-controls';
import { type Actions, useActions } from './use-action';

export const PARTICIPANTS_PANEL_ID = 'participants-panel';

interface ParticipantsPanelProps {
  meeting: Meeting;
  self: ParticipantInfo;
  /** Our own microphone as this page knows it (ahead of the server's view). */
  selfMicOn: boolean;
  participants: readonly ParticipantInfo[];
  lobby: readonly LobbyEntry[];
  onClose: () => void;
}

/**
 * Everyone in the meeting with role and microphone state; for moderators also the lobby queue, the
 * actions on each person and the meeting-wide ones (mute everyone, end the meeting).
 */
export function ParticipantsPanel({
  meeting,
  self,
  selfMicOn,
  participants,
  lobby,
  onClose,
}: ParticipantsPanelProps) {
  const actions = useActions();
  const [hardMuteAll, setHardMuteAll] = useState(false);
  const moderator = self.role === 'moderator';
  const count = participants.length + 1;
  const { hands } = useStore(meeting.life.state);

  return (
    <SidePanel
      id={PARTICIPANTS_PANEL_ID}
      title={t('participants.title', { count })}
      onClose={onClose}
      testId="participants-panel"
    >
      {actions.error && (
        <p class="notice notice--error" role="alert">
          {t(actions.error.key, actions.error.params)}
        </p>
      )}

      {moderator && lobby.length > 0 && <LobbyQueue meeting={meeting} entries={lobby} actions={actions} />}

      <HandQueue
        meeting={meeting}
        hands={hands}
        self={self}
        participants={participants}
        moderator={moderator}
        actions={actions}
      />

      <BreakoutSection meeting={meeting} moderator={moderator} participants={participants} />

      {moderator && (
        <fieldset class="panel__section moderator-tools" aria-label={t('participants.everyone')}>
          <button
            type="button"
            class="button button--quiet button--small"
            data-testid="mute-all"
            aria-busy={actions.pending('mute-all') || undefined}
            onClick={() => void actions.run('mute-all', () => meeting.moderation.muteAll(hardMuteAll))}
          >
            {t('participants.muteAll')}
          </button>
          <label class="checkbox">
            <input
              type="checkbox"
              data-testid="mute-all-hard"
              checked={hardMuteAll}
              onChange={(event) => setHardMuteAll(event.currentTarget.checked)}
            />
            {t('participants.askToUnmute')}
          </label>
          <button
            type="button"
            class="button button--danger button--small"
            data-testid="end-meeting"
            aria-busy={actions.pending('end') || undefined}
            onClick={() => void actions.run('end', () => meeting.endMeeting())}
          >
            {t('participants.endMeeting')}
          </button>
        </fieldset>
      )}

      <ul class="people" aria-label={t('participants.listLabel')}>
        <PersonRow
          person={self}
          self
          micOn={selfMicOn}
          meeting={meeting}
          moderator={moderator}
          actions={actions}
        />
        {participants.map((person) => (
          <PersonRow
            key={person.id}
            person={person}
            self={false}
            micOn={sends(person, 'mic')}
            meeting={meeting}
            moderator={moderator}
            actions={actions}
          />
        ))}
      </ul>
    </SidePanel>
  );
}

function LobbyQueue({
  meeting,
  entries,
  actions,
}: {
  meeting: Meeting;
  entries: readonly LobbyEntry[];
  actions: Actions;
}) {
  return (
    <section class="panel__section lobby" aria-labelledby="lobby-title" data-testid="lobby-queue">
      <h3 id="lobby-title" class="panel__subtitle">
        {t('lobby.title', { count: entries.length })}
      </h3>
      <ul class="people">
        {entries.map((entry) => (
          <li key={entry.id} class="person" data-testid="lobby-entry" data-name={entry.displayName}>
            <Avatar name={entry.displayName} />
            <span class="person__name">{entry.displayName}</span>
            <div class="person__actions">
              <button
                type="button"
                class="button button--primary button--small"
                data-testid="lobby-admit"
                aria-label={t('lobby.admitName', { name: entry.displayName })}
                onClick={() =>
                  void actions.run(`admit:${entry.id}`, () => meeting.moderation.admit(entry.id))
                }
              >
                {t('lobby.admit')}
              </button>
              <button
                type="button"
                class="button button--quiet button--small"
                data-testid="lobby-deny"
                aria-label={t('lobby.denyName', { name: entry.displayName })}
                onClick={() => void actions.run(`deny:${entry.id}`, () => meeting.moderation.deny(entry.id))}
              >
                {t('lobby.deny')}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {entries.length > 1 && (
        <button
          type="button"
          class="button button--secondary button--small"
          data-testid="lobby-admit-all"
          onClick={() =>
            void actions.run('admit-all', () =>
              Promise.all(entries.map((entry) => meeting.moderation.admit(entry.id))),
            )
          }
        >
          {t('lobby.admitAll')}
        </button>
      )}
    </section>
  );
}

interface PersonRowProps {
  person: ParticipantInfo;
  self: boolean;
  micOn: boolean;
  meeting: Meeting;
  /** Whether *we* are a moderator (and get the actions). */
  moderator: boolean;
  actions: Actions;
}

function PersonRow({ person, self, micOn, meeting, moderator, actions }: PersonRowProps) {
  const name = person.displayName;
  const isModerator = person.role === 'moderator';
  const { moderation } = meeting;
  const e2ee = useStore(meeting.e2ee.state);
  const act = (action: string, task: () => Promise<unknown>) => () =>
    void actions.run(`${action}:${person.id}`, task);
  return (
    <li
      class="person"
      data-testid="participant"
      data-name={name}
      data-self={self ? 'true' : 'false'}
      data-role={person.role}
      data-mic={micOn ? 'on' : 'off'}
      data-hard-muted={person.hardMuted ? 'true' : 'false'}
      data-unmute-requested={person.unmuteRequested ? 'true' : 'false'}
    >
      <Avatar name={name} />
      <div class="person__info">
        <span class="person__name">{self ? t('meeting.you', { name }) : name}</span>
        <span class="person__tags">
          {isModerator && <span class="tag tag--accent">{t('participants.moderator')}</span>}
          {person.hardMuted && <span class="tag">{t('participants.hardMuted')}</span>}
          {person.unmuteRequested && <span class="tag tag--attention">{t('participants.asksToUnmute')}</span>}
          {e2ee.state !== 'off' &&
            (e2ee.members.includes(person.id) ? (
              <span class="tag" data-testid="participant-encrypted">
                {t('e2ee.member')}
              </span>
            ) : (
              <span class="tag tag--attention">{t('e2ee.notMember')}</span>
            ))}
        </span>
      </div>
      <span class={micOn ? 'person__mic' : 'person__mic person__mic--off'}>
        <MicIcon off={!micOn} />
        <span class="visually-hidden">{micOn ? t('participants.micOn') : t('meeting.micMuted')}</span>
      </span>
      {!self && <ListeningControls participantId={person.id} name={name} />}
      {moderator && !self && (
        <fieldset class="person__actions" aria-label={t('participants.actionsFor', { name })}>
          {micOn && (
            <button
              type="button"
              class="button button--quiet button--small"
              data-testid="mute"
              onClick={act('mute', () => moderation.mute(person.id, false))}
            >
              {t('participants.mute')}
            </button>
          )}
          {!person.hardMuted && (
            <button
              type="button"
              class="button button--quiet button--small"
              data-testid="mute-hard"
              onClick={act('mute-hard', () => moderation.mute(person.id, true))}
            >
              {t('participants.muteHard')}
            </button>
          )}
          {person.hardMuted && (
            <button
              type="button"
              class={
                person.unmuteRequested
                  ? 'button button--primary button--small'
                  : 'button button--quiet button--small'
              }
              data-testid="allow-unmute"
              onClick={act('allow', () => moderation.allowUnmute(person.id))}
            >
              {t('participants.allowUnmute')}
            </button>
          )}
          <button
            type="button"
            class="button button--quiet button--small"
            data-testid="set-role"
            onClick={act('role', () =>
              moderation.setRole(person.id, isModerator ? 'participant' : 'moderator'),
            )}
          >
            {isModerator ? t('participants.removeModerator') : t('participants.makeModerator')}
          </button>
          <RecordingPermitButton meeting={meeting} person={person} />
          <button
            type="button"
            class="button button--danger button--small"
            data-testid="kick"
            aria-label={t('participants.kickName', { name })}
            onClick={act('kick', () => moderation.kick(person.id))}
          >
            {t('participants.kick')}
          </button>
        </fieldset>
      )}
    </li>
  );
}

function Avatar({ name }: { name: string }) {
  return (
    <span class="avatar avatar--small" aria-hidden="true" style={{ '--avatar-hue': String(avatarHue(name)) }}>
      {initials(name)}
    </span>
  );
}

import type { InvitationResult } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { lowData } from '../../conference/low-data';
import type { Meeting, MeetingState } from '../../conference/meeting';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { Banner } from '../../ui/banner';
import {
  CameraIcon,
  ChatIcon,
  HandIcon,
  KeyboardIcon,
  LayoutIcon,
  LeaveIcon,
  MicIcon,
  PeopleIcon,
  ScreenIcon,
  ShieldIcon,
} from '../../ui/icons';
import { LanguageSelect } from '../../ui/language-select';
import { LiveRegion } from '../../ui/live-region';
import { AudioView } from '../../ui/media-views';
import { PanelButton } from '../../ui/panel-button';
import { Toast } from '../../ui/toast';
import { ToggleButton } from '../../ui/toggle-button';
import { useDocumentTitle } from '../../ui/use-document-title';
import { BackgroundSelect } from './background-select';
import { BreakoutBanners, BreakoutName } from './breakout-section';
import { CHAT_PANEL_ID, ChatPanel } from './chat-panel';
import { ConnectionBanner } from './connection-banner';
import { E2eeBanners, E2eeControl } from './e2ee-control';
import { mediaProblemMessages, screenProblemMessage } from './join-messages';
import { LowDataBadge, LowDataToggles } from './low-data-controls';
import { MoreMenu } from './more-menu';
import { NoiseSuppressionToggle } from './noise-suppression-toggle';
import { PARTICIPANTS_PANEL_ID, ParticipantsPanel } from './participants-panel';
import { PollCards, PollCreateButton, PollCreateDialog } from './polls-view';
import { ReactionsMenu } from './reactions-menu';
import {
  RecordingConsent,
  RecordingDownload,
  RecordingIndicator,
  RecordingStartButton,
} from './recording-controls';
import { SECURITY_PANEL_ID, SecurityPanel } from './security-panel';
import { ShortcutsDialog } from './shortcuts-dialog';
import { type LayoutChoice, TilesLayout } from './tiles-layout';
import { useMeetingShortcuts } from './use-meeting-shortcuts';

interface MeetingViewProps {
  meeting: Meeting;
  onRejoin: () => void;
}

type PanelName = 'participants' | 'chat' | 'security';

/** The meeting itself: everyone's tiles, shared screens, remote audio, the controls and side panels. */
export function MeetingView({ meeting, onRejoin }: MeetingViewProps) {
  const state = useStore(meeting.state);
  const media = useStore(meeting.local.state);
  const chat = useStore(meeting.chat.log);
  const [panel, setPanel] = useState<PanelName | null>(null);
  /** The invitation link made last; kept here so it survives closing the security panel. */
  const [invitation, setInvitation] = useState<InvitationResult | null>(null);
  const life = useStore(meeting.life.state);
  const lowDataSettings = useStore(lowData);
  const [layout, setLayout] = useState<LayoutChoice>({ mode: 'grid', pinned: null, hideSelf: false });
  const [helpOpen, setHelpOpen] = useState(false);
  const [pollFormOpen, setPollFormOpen] = useState(false);
  useMeetingShortcuts(meeting, {
    chat: () => setPanel((open) => (open === 'chat' ? null : 'chat')),
    help: () => setHelpOpen(true),
  });
  useDocumentTitle(t('meeting.title', { room: meeting.room }));
  useEffect(() => meeting.chat.setPanelOpen(panel === 'chat'), [panel]);
  const self = state.self;
  if (!self) return null;
  const moderator = self.role === 'moderator';
  const toggle = (name: PanelName) => setPanel((open) => (open === name ? null : name));
  const close = () => setPanel(null);

  const handRaised = life.hands.includes(self.id);
  const tileCount = state.participants.length + 1;
  const problem = state.mediaProblem;
  const problemMessage =
    problem === null
      ? null
      : problem.device === 'screen'
        ? screenProblemMessage(problem.problem)
        : mediaProblemMessages(
            problem.device === 'mic' ? problem.problem : null,
            problem.device === 'camera' ? problem.problem : null,
          )[0];

  return (
    <div class="meeting">
      <header class="meeting__header">
        <h1 class="meeting__title">{t('meeting.title', { room: meeting.room })}</h1>
        <BreakoutName meeting={meeting} />
        <span class="meeting__count">{t('meeting.participantCount', { count: tileCount })}</span>
        <E2eeControl meeting={meeting} />
        <LowDataBadge />
        <LanguageSelect compact />
      </header>

      <E2eeBanners meeting={meeting} participants={state.participants} />
      <BreakoutBanners meeting={meeting} />
      <ConnectionBanner connection={state.connection} onRejoin={onRejoin} />
      <RecordingIndicator meeting={meeting} participants={state.participants} />
      <RecordingDownload meeting={meeting} />
      {problemMessage && (
        <Banner
          actions={
            <button type="button" class="button button--quiet" onClick={() => meeting.dismissMediaProblem()}>
              {t('meeting.dismiss')}
            </button>
          }
        >
          {t(problemMessage.key, problemMessage.params)}
        </Banner>
      )}

      <div class="meeting__content">
        <TilesLayout
          meeting={meeting}
          state={state}
          self={self}
          camera={media.camera.on ? media.camera.track : null}
          micOn={media.mic.on}
          layout={layout}
          onPin={(pinned) => setLayout((choice) => ({ ...choice, pinned }))}
        />
        {panel === 'participants' && (
          <ParticipantsPanel
            meeting={meeting}
            self={self}
            selfMicOn={media.mic.on}
            participants={state.participants}
            lobby={state.lobby}
            onClose={close}
          />
        )}
        {panel === 'chat' && (
          <ChatPanel meeting={meeting} self={self} participants={state.participants} onClose={close} />
        )}
        {panel === 'security' && (
          <SecurityPanel
            meeting={meeting}
            settings={state.settings}
            moderator={moderator}
            invitation={invitation}
            onInvitation={setInvitation}
            onClose={close}
          />
        )}
        <PollCards meeting={meeting} />
      </div>

      <div class="remote-audio" aria-hidden="true">
        {state.participants.flatMap((participant) => {
          const tracks = state.remoteTracks.get(participant.id);
          return (['mic', 'screen-audio'] as const).map((source) => {
            const track = tracks?.[source];
            return (
              track && (
                <AudioView key={track.id} track={track} participantId={participant.id} source={source} />
              )
            );
          });
        })}
      </div>

      <section class="toolbar" aria-label={t('toolbar.label')}>
        <ToggleButton
          testId="toggle-mic"
          label={t('toolbar.mic')}
          on={media.mic.on}
          onToggle={() => meeting.toggleMic()}
          icon={<MicIcon off={!media.mic.on} />}
          warnWhenOff
          locked={self.hardMuted && !media.mic.on}
          description={micDescription(self, media.mic.on)}
        />
        <ToggleButton
          testId="toggle-camera"
          label={t('toolbar.camera')}
          on={media.camera.on}
          onToggle={() => meeting.toggleCamera()}
          icon={<CameraIcon off={!media.camera.on} />}
          warnWhenOff
          busy={media.camera.starting}
          description={!media.camera.on && !lowDataSettings.sendVideo ? t('lowData.cameraSaving') : undefined}
        />
        {/* Phone-sized screens: behind "More"; elsewhere part of the toolbar (more-menu.tsx). */}
        <MoreMenu>
          <ToggleButton
            testId="toggle-screen"
            label={t('toolbar.screen')}
            on={state.screenTrack !== null}
            onToggle={() => meeting.toggleScreen()}
            icon={<ScreenIcon />}
          />
          <ToggleButton
            testId="toggle-hand"
            label={t('toolbar.hand')}
            on={handRaised}
            onToggle={() => meeting.life.setHand(!handRaised).catch(() => undefined)}
            icon={<HandIcon />}
          />
          <ReactionsMenu meeting={meeting} />
          <PollCreateButton meeting={meeting} onOpen={() => setPollFormOpen(true)} />
          <RecordingStartButton meeting={meeting} />
          <NoiseSuppressionToggle local={meeting.local} onChange={(on) => meeting.setNoiseSuppression(on)} />
          <BackgroundSelect local={meeting.local} id="background-room" inToolbar />
          <ToggleButton
            testId="layout-speaker"
            label={t('layout.speaker')}
            on={layout.mode === 'speaker'}
            onToggle={() =>
              setLayout((choice) => ({ ...choice, mode: choice.mode === 'speaker' ? 'grid' : 'speaker' }))
            }
            icon={<LayoutIcon speaker={layout.mode !== 'speaker'} />}
          />
          <ToggleButton
            testId="hide-self"
            label={t('layout.hideSelf')}
            on={layout.hideSelf}
            onToggle={() => setLayout((choice) => ({ ...choice, hideSelf: !choice.hideSelf }))}
            icon={<CameraIcon off={!layout.hideSelf} />}
          />
          <LowDataToggles />
          <button
            type="button"
            class="control"
            data-testid="shortcuts-help"
            aria-label={t('toolbar.shortcuts')}
            aria-keyshortcuts="Shift+?"
            title={t('shortcuts.title')}
            onClick={() => setHelpOpen(true)}
          >
            <KeyboardIcon />
            <span class="control__label" aria-hidden="true">
              {t('toolbar.shortcuts')}
            </span>
          </button>
        </MoreMenu>
        <PanelButton
          testId="participants-toggle"
          panelId={PARTICIPANTS_PANEL_ID}
          label={t('toolbar.participants')}
          icon={<PeopleIcon />}
          open={panel === 'participants'}
          onToggle={() => toggle('participants')}
          badge={moderator ? state.lobby.length : 0}
          badgeLabel={t('toolbar.knocking', { count: state.lobby.length })}
        />
        <PanelButton
          testId="chat-toggle"
          panelId={CHAT_PANEL_ID}
          label={t('toolbar.chat')}
          icon={<ChatIcon />}
          open={panel === 'chat'}
          onToggle={() => toggle('chat')}
          badge={panel === 'chat' ? 0 : chat.unread.length}
          badgeLabel={t('toolbar.unread', { count: chat.unread.length })}
        />
        <PanelButton
          testId="security-toggle"
          panelId={SECURITY_PANEL_ID}
          label={t('toolbar.security')}
          icon={<ShieldIcon />}
          open={panel === 'security'}
          onToggle={() => toggle('security')}
        />
        <button
          type="button"
          class="control control--leave"
          data-testid="leave"
          aria-label={t('toolbar.leave')}
          title={t('toolbar.leave')}
          onClick={() => meeting.leave()}
        >
          <LeaveIcon />
          <span class="control__label" aria-hidden="true">
            {t('toolbar.leave')}
          </span>
        </button>
      </section>

      {state.notices.length > 0 && (
        <div class="toasts">
          {state.notices.map((notice) => (
            <Toast
              key={notice.id}
              onDismiss={() => meeting.dismissNotice(notice.id)}
              action={
                notice.key === 'moderation.mutedHard' && self.hardMuted && !self.unmuteRequested ? (
                  <button
                    type="button"
                    class="button button--secondary button--small"
                    data-testid="request-unmute"
                    onClick={() => {
                      meeting.dismissNotice(notice.id);
                      meeting.requestUnmute().catch(() => undefined);
                    }}
                  >
                    {t('moderation.askToUnmute')}
                  </button>
                ) : undefined
              }
            >
              {t(notice.key, notice.params)}
            </Toast>
          ))}
        </div>
      )}

      {helpOpen && <ShortcutsDialog onClose={() => setHelpOpen(false)} />}
      {pollFormOpen && <PollCreateDialog meeting={meeting} onClose={() => setPollFormOpen(false)} />}
      <RecordingConsent meeting={meeting} participants={state.participants} />

      <LiveRegion announcement={state.announcement} />
    </div>
  );
}

/** The microphone button's accessible name when a moderator holds it off. */
function micDescription(self: NonNullable<MeetingState['self']>, on: boolean): string | undefined {
  if (on || !self.hardMuted) return undefined;
  return self.unmuteRequested ? t('toolbar.micRequested') : t('toolbar.micLocked');
}

import type { ParticipantInfo, TrackSource } from '@parley/protocol';
import { useRef } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { Banner } from '../../ui/banner';
import { bestGrid } from '../../ui/grid-layout';
import { CameraIcon, LeaveIcon, MicIcon, ScreenIcon } from '../../ui/icons';
import { LiveRegion } from '../../ui/live-region';
import { AudioView } from '../../ui/media-views';
import { ScreenTile, Tile } from '../../ui/tile';
import { ToggleButton } from '../../ui/toggle-button';
import { useDocumentTitle } from '../../ui/use-document-title';
import { useElementSize } from '../../ui/use-element-size';
import { mediaProblemMessages, screenProblemMessage } from './join-messages';

interface MeetingViewProps {
  meeting: Meeting;
  onRejoin: () => void;
}

/** Whether a participant sends `source` right now (published and not switched off). */
function sends(participant: ParticipantInfo, source: TrackSource): boolean {
  return participant.tracks.some((track) => track.source === source && !track.muted);
}

/** The meeting itself: everyone's tiles, shared screens, remote audio and the controls. */
export function MeetingView({ meeting, onRejoin }: MeetingViewProps) {
  const state = useStore(meeting.state);
  const media = useStore(meeting.local.state);
  const gridRef = useRef<HTMLDivElement>(null);
  const size = useElementSize(gridRef);
  useDocumentTitle(t('meeting.title', { room: meeting.room }));
  const self = state.self;
  if (!self) return null;

  const selfName = self.displayName;
  const screens: { id: string; name: string; self: boolean; track: MediaStreamTrack }[] = [];
  if (state.screenTrack) screens.push({ id: self.id, name: selfName, self: true, track: state.screenTrack });
  for (const participant of state.participants) {
    const screen = state.remoteTracks.get(participant.id)?.screen;
    if (screen && sends(participant, 'screen')) {
      screens.push({ id: participant.id, name: participant.displayName, self: false, track: screen });
    }
  }

  const tileCount = state.participants.length + 1;
  const grid = bestGrid(tileCount, size.width, size.height);
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
        <span class="meeting__count">{t('meeting.participantCount', { count: tileCount })}</span>
      </header>

      {state.connection !== 'ok' && (
        <Banner
          testId="connection-lost"
          actions={
            <button type="button" class="button button--secondary" onClick={onRejoin}>
              {t('meeting.rejoin')}
            </button>
          }
        >
          {state.connection === 'signaling-lost' ? t('meeting.connectionLost') : t('meeting.mediaLost')}
        </Banner>
      )}
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

      <main
        id="main"
        tabIndex={-1}
        class={screens.length > 0 ? 'meeting__body meeting__body--sharing' : 'meeting__body'}
      >
        {screens.length > 0 && (
          <div class="stage">
            {screens.map((screen) => (
              <ScreenTile key={screen.id} name={screen.name} self={screen.self} video={screen.track} />
            ))}
          </div>
        )}
        <div
          ref={gridRef}
          class="grid"
          style={{ '--columns': String(grid.columns), '--rows': String(grid.rows) }}
        >
          <Tile
            key={self.id}
            name={selfName}
            self
            video={media.camera.on ? media.camera.track : null}
            micMuted={!media.mic.on}
          />
          {state.participants.map((participant) => {
            const tracks = state.remoteTracks.get(participant.id);
            const camera = tracks?.camera && sends(participant, 'camera') ? tracks.camera : null;
            return (
              <Tile
                key={participant.id}
                name={participant.displayName}
                self={false}
                video={camera}
                micMuted={!sends(participant, 'mic')}
              />
            );
          })}
        </div>
      </main>

      <div class="remote-audio" aria-hidden="true">
        {state.participants.flatMap((participant) => {
          const tracks = state.remoteTracks.get(participant.id);
          return [tracks?.mic, tracks?.['screen-audio']]
            .filter((track): track is MediaStreamTrack => track !== undefined)
            .map((track) => <AudioView key={track.id} track={track} />);
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
        />
        <ToggleButton
          testId="toggle-camera"
          label={t('toolbar.camera')}
          on={media.camera.on}
          onToggle={() => meeting.toggleCamera()}
          icon={<CameraIcon off={!media.camera.on} />}
          warnWhenOff
          busy={media.camera.starting}
        />
        <ToggleButton
          testId="toggle-screen"
          label={t('toolbar.screen')}
          on={state.screenTrack !== null}
          onToggle={() => meeting.toggleScreen()}
          icon={<ScreenIcon />}
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

      <LiveRegion announcement={state.announcement} />
    </div>
  );
}

import type { ParticipantInfo, VideoCodec } from '@parley/protocol';
import { useRef } from 'preact/hooks';
import { pausedForBandwidth } from '../../conference/bandwidth-pause';
import { lowData } from '../../conference/low-data';
import type { Meeting, MeetingState } from '../../conference/meeting';
import { REACTION_EMOJI } from '../../conference/meeting-life';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { bestGrid } from '../../ui/grid-layout';
import { arrangeTiles, type LayoutMode } from '../../ui/layouts/arrange';
import { ScreenTile, Tile } from '../../ui/tile';
import { useElementSize } from '../../ui/use-element-size';
import { sends } from './participant-media';
import { useConnectionQuality } from './use-connection-quality';

export interface LayoutChoice {
  mode: LayoutMode;
  pinned: string | null;
  hideSelf: boolean;
}

interface TilesLayoutProps {
  meeting: Meeting;
  state: MeetingState;
  self: ParticipantInfo;
  /** Our own camera and microphone as this page knows them. */
  camera: MediaStreamTrack | null;
  micOn: boolean;
  layout: LayoutChoice;
  onPin: (participantId: string | null) => void;
}

/**
 * The meeting's main area: shared screens or the featured participant on the stage with everyone
 * else beside it, or one grid sized to fit every tile into the window.
 */
export function TilesLayout({ meeting, state, self, camera, micOn, layout, onPin }: TilesLayoutProps) {
  const life = useStore(meeting.life.state);
  const quality = useConnectionQuality(meeting);
  const e2ee = useStore(meeting.e2ee.state);
  // Audio only (low-data mode): the server sends no video, so none is shown.
  const audioOnly = !useStore(lowData).receiveVideo;
  const gridRef = useRef<HTMLDivElement>(null);
  const size = useElementSize(gridRef);

  const screens: {
    id: string;
    name: string;
    self: boolean;
    track: MediaStreamTrack | null;
    unplayable?: VideoCodec;
    paused?: boolean;
  }[] = [];
  if (state.screenTrack)
    screens.push({ id: self.id, name: self.displayName, self: true, track: state.screenTrack });
  for (const participant of state.participants) {
    const screen = state.remoteTracks.get(participant.id)?.screen;
    const unplayable = state.unplayableVideo.get(participant.id)?.screen;
    if (unplayable && sends(participant, 'screen'))
      screens.push({
        id: participant.id,
        name: participant.displayName,
        self: false,
        track: null,
        unplayable,
      });
    else if (screen && sends(participant, 'screen')) {
      screens.push({
        id: participant.id,
        name: participant.displayName,
        self: false,
        track: audioOnly ? null : screen,
        paused: !audioOnly && pausedForBandwidth(state.pausedVideo, participant.id, 'screen'),
      });
    }
  }

  const { featured, rest } = arrangeTiles({
    ids: [self.id, ...state.participants.map((p) => p.id)],
    selfId: self.id,
    hideSelf: layout.hideSelf,
    mode: layout.mode,
    pinned: layout.pinned,
    speaker: life.lastSpeaker ?? speakerOf(state.participants),
    screens: screens.length,
  });
  const staged = screens.length > 0 || featured !== null;
  const grid = bestGrid(rest.length, size.width, size.height);

  const tile = (id: string, isFeatured: boolean) => {
    const reactions = life.reactions
      .filter((r) => r.participantId === id)
      .map((r) => ({
        id: r.id,
        emoji: REACTION_EMOJI[r.reaction].emoji,
        label: t(REACTION_EMOJI[r.reaction].label),
      }));
    const pin = { pinned: layout.pinned === id, onToggle: () => onPin(layout.pinned === id ? null : id) };
    const handRaised = life.hands.includes(id);
    if (id === self.id) {
      return (
        <Tile
          key={id}
          name={self.displayName}
          self
          video={camera}
          micMuted={!micOn}
          handRaised={handRaised}
          reactions={reactions}
          featured={isFeatured}
          speaking={life.speakers.includes(id)}
        />
      );
    }
    const participant = state.participants.find((p) => p.id === id);
    if (!participant) return null;
    const tracks = state.remoteTracks.get(id);
    const cameraOn = tracks?.camera !== undefined && sends(participant, 'camera');
    const unplayable = sends(participant, 'camera') ? state.unplayableVideo.get(id)?.camera : undefined;
    // Held back for our bandwidth: said on the tile (audio-only says why there is no video already).
    const paused = cameraOn && !audioOnly && pausedForBandwidth(state.pausedVideo, id, 'camera');
    return (
      <Tile
        key={id}
        name={participant.displayName}
        self={false}
        video={cameraOn && !audioOnly ? (tracks?.camera ?? null) : null}
        audioOnly={cameraOn && audioOnly}
        unplayableCodec={unplayable}
        pausedForBandwidth={paused}
        micMuted={!sends(participant, 'mic')}
        waitingForKeys={tracks?.camera !== undefined && e2ee.waitingTracks.has(tracks.camera.id)}
        speaking={life.speakers.includes(id)}
        quality={quality.get(id)}
        onResize={(width, height) => meeting.videoSizes.report(id, 'camera', width, height)}
        handRaised={handRaised}
        reactions={reactions}
        pin={pin}
        featured={isFeatured}
      />
    );
  };

  return (
    <main id="main" tabIndex={-1} class={staged ? 'meeting__body meeting__body--sharing' : 'meeting__body'}>
      {staged && (
        <div class="stage">
          {screens.length > 0
            ? screens.map((screen) => (
                <ScreenTile
                  key={screen.id}
                  name={screen.name}
                  self={screen.self}
                  video={screen.track}
                  unplayableCodec={screen.unplayable}
                  pausedForBandwidth={screen.paused}
                  onResize={
                    screen.self
                      ? undefined
                      : (width, height) => meeting.videoSizes.report(screen.id, 'screen', width, height)
                  }
                />
              ))
            : featured !== null && tile(featured, true)}
        </div>
      )}
      <div
        ref={gridRef}
        class="grid"
        data-testid="tile-grid"
        data-layout={layout.mode}
        style={{ '--columns': String(grid.columns), '--rows': String(grid.rows) }}
      >
        {rest.map((id) => tile(id, false))}
      </div>
      {layout.hideSelf && <p class="visually-hidden">{t('layout.selfHidden')}</p>}
    </main>
  );
}

/** The participant to feature in speaker view: the first one whose microphone is on. */
function speakerOf(participants: readonly ParticipantInfo[]): string | null {
  return participants.find((p) => sends(p, 'mic'))?.id ?? null;
}

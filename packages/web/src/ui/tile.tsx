import { t } from '../i18n';
import { MicIcon } from './icons';
import { avatarHue, initials } from './initials';
import { VideoView } from './media-views';

interface TileProps {
  name: string;
  self: boolean;
  /** The camera track while it is on; otherwise an avatar with initials is shown. */
  video: MediaStreamTrack | null;
  micMuted: boolean;
}

/** One participant: camera video (or initials), name and a muted-microphone sign. */
export function Tile({ name, self, video, micMuted }: TileProps) {
  const label = self ? t('meeting.you', { name }) : name;
  return (
    <figure
      class="tile"
      data-testid="tile"
      data-name={name}
      data-self={self ? 'true' : 'false'}
      data-mic={micMuted ? 'off' : 'on'}
      data-camera={video ? 'on' : 'off'}
    >
      {video ? (
        <VideoView track={video} self={self} />
      ) : (
        <div class="tile__avatar" aria-hidden="true">
          <span class="avatar" style={{ '--avatar-hue': String(avatarHue(name)) }}>
            {initials(name)}
          </span>
        </div>
      )}
      <figcaption class="tile__caption">
        {micMuted && (
          <span class="tile__muted" title={t('meeting.micMuted')}>
            <MicIcon off />
            <span class="visually-hidden">{t('meeting.micMuted')}</span>
          </span>
        )}
        <span class="tile__name">{label}</span>
      </figcaption>
    </figure>
  );
}

interface ScreenTileProps {
  name: string;
  self: boolean;
  video: MediaStreamTrack;
}

/** A participant's shared screen, shown whole in a tile of its own. */
export function ScreenTile({ name, self, video }: ScreenTileProps) {
  const label = self ? t('meeting.yourScreen') : t('meeting.screenOf', { name });
  return (
    <figure
      class="tile tile--screen"
      data-testid="screen-tile"
      data-name={name}
      data-self={self ? 'true' : 'false'}
    >
      <VideoView track={video} fit="contain" />
      <figcaption class="tile__caption">
        <span class="tile__name">{label}</span>
      </figcaption>
    </figure>
  );
}

import type { VideoCodec } from '@parley/protocol';
import { useRef } from 'preact/hooks';
import { t } from '../i18n';
import { HandIcon, MicIcon, PinIcon } from './icons';
import { avatarHue, initials } from './initials';
import { VideoView } from './media-views';
import { useResizeReport } from './use-resize-report';

interface TileProps {
  name: string;
  self: boolean;
  /** The camera track while it is on; otherwise an avatar with initials is shown. */
  video: MediaStreamTrack | null;
  micMuted: boolean;
  /** The participant's hand is up. */
  handRaised?: boolean;
  /** Reactions on screen now (emoji with their readable names). */
  reactions?: readonly { id: number; emoji: string; label: string }[];
  /** Pinning: shown as a button on the tile when given. */
  pin?: { pinned: boolean; onToggle: () => void };
  /** Large (speaker view, pinned) rather than one tile of a grid. */
  featured?: boolean;
  /** Speaking now (highlighted). */
  speaking?: boolean;
  /** How well their media reaches us; not shown when unknown (own tile, just joined). */
  quality?: 'good' | 'fair' | 'poor' | undefined;
  /** Told the tile's size on screen (for the server's choice of video quality). */
  onResize?: (width: number, height: number) => void;
  /** End-to-end encrypted video we cannot decrypt yet: its frames are dropped until the keys arrive. */
  waitingForKeys?: boolean;
  /** Their camera is on but we chose audio only (low-data mode): initials and a label instead. */
  audioOnly?: boolean;
  /** Their camera comes in a codec this browser cannot decode (its name): initials and a label. */
  unplayableCodec?: VideoCodec;
  /** The server holds their camera back, our connection being too slow for it: initials and a label. */
  pausedForBandwidth?: boolean;
}

/** How a codec is named to people. */
export const CODEC_LABEL: Record<VideoCodec, string> = { vp8: 'VP8', vp9: 'VP9', h264: 'H.264', av1: 'AV1' };

/** One participant: camera video (or initials), name and a muted-microphone sign. */
export function Tile({
  name,
  self,
  video,
  micMuted,
  handRaised = false,
  reactions = [],
  pin,
  featured,
  waitingForKeys = false,
  speaking = false,
  quality,
  onResize,
  audioOnly = false,
  unplayableCodec,
  pausedForBandwidth = false,
}: TileProps) {
  const ref = useRef<HTMLElement>(null);
  useResizeReport(ref, onResize);
  const label = self ? t('meeting.you', { name }) : name;
  return (
    <figure
      ref={ref}
      class={featured ? 'tile tile--featured' : 'tile'}
      data-speaking={speaking ? 'true' : undefined}
      data-quality={quality}
      data-hand={handRaised ? 'on' : 'off'}
      data-pinned={pin?.pinned ? 'true' : undefined}
      data-testid="tile"
      data-name={name}
      data-self={self ? 'true' : 'false'}
      data-mic={micMuted ? 'off' : 'on'}
      data-camera={video && !pausedForBandwidth ? 'on' : 'off'}
      data-audio-only={audioOnly ? 'true' : undefined}
      data-unplayable={unplayableCodec}
      data-paused-bandwidth={pausedForBandwidth ? 'true' : undefined}
    >
      {video && !pausedForBandwidth ? (
        <VideoView track={video} self={self} />
      ) : (
        <div class="tile__avatar" aria-hidden="true">
          <span class="avatar" style={{ '--avatar-hue': String(avatarHue(name)) }}>
            {initials(name)}
          </span>
        </div>
      )}
      {audioOnly && (
        <span class="tile__audio-only" data-testid="tile-audio-only">
          {t('lowData.tileAudioOnly')}
        </span>
      )}
      {unplayableCodec && (
        <div class="tile__keys" data-testid="tile-unplayable" role="status">
          {t('media.unplayable', { codec: CODEC_LABEL[unplayableCodec] })}
        </div>
      )}
      {pausedForBandwidth && <BandwidthPauseNotice />}
      {waitingForKeys && (
        <div class="tile__keys" data-testid="tile-waiting-for-keys">
          {t('e2ee.waitingForKeys')}
        </div>
      )}
      <figcaption class="tile__caption">
        {micMuted && (
          <span class="tile__muted" title={t('meeting.micMuted')}>
            <MicIcon off />
            <span class="visually-hidden">{t('meeting.micMuted')}</span>
          </span>
        )}
        {handRaised && (
          <span class="tile__hand" title={t('hand.badge')}>
            <HandIcon />
            <span class="visually-hidden">{t('hand.badge')}</span>
          </span>
        )}
        <span class="tile__name">{label}</span>
        {quality && <QualitySign quality={quality} />}
      </figcaption>
      {reactions.length > 0 && (
        <div class="tile__reactions" aria-hidden="true">
          {reactions.map((reaction) => (
            <span key={reaction.id} class="tile__reaction" title={reaction.label} data-testid="tile-reaction">
              {reaction.emoji}
            </span>
          ))}
        </div>
      )}
      {pin && (
        <button
          type="button"
          class={pin.pinned ? 'tile__pin tile__pin--on' : 'tile__pin'}
          data-testid="pin"
          aria-pressed={pin.pinned}
          aria-label={pin.pinned ? t('tile.unpin', { name }) : t('tile.pin', { name })}
          title={pin.pinned ? t('tile.unpin', { name }) : t('tile.pin', { name })}
          onClick={pin.onToggle}
        >
          <PinIcon />
        </button>
      )}
    </figure>
  );
}

interface ScreenTileProps {
  name: string;
  self: boolean;
  /** null in audio-only (low-data mode): the share is announced, not shown. */
  video: MediaStreamTrack | null;
  onResize?: (width: number, height: number) => void;
  /** The share comes in a codec this browser cannot decode (its name). */
  unplayableCodec?: VideoCodec;
  /** The server holds the share back, our connection being too slow for it. */
  pausedForBandwidth?: boolean;
}

/** A participant's shared screen, shown whole in a tile of its own. */
export function ScreenTile({
  name,
  self,
  video,
  onResize,
  unplayableCodec,
  pausedForBandwidth = false,
}: ScreenTileProps) {
  const ref = useRef<HTMLElement>(null);
  useResizeReport(ref, onResize);
  const label = self ? t('meeting.yourScreen') : t('meeting.screenOf', { name });
  return (
    <figure
      ref={ref}
      class="tile tile--screen"
      data-testid="screen-tile"
      data-name={name}
      data-self={self ? 'true' : 'false'}
      data-paused-bandwidth={pausedForBandwidth ? 'true' : undefined}
    >
      {pausedForBandwidth ? (
        <div class="tile__avatar">
          <BandwidthPauseNotice />
        </div>
      ) : video ? (
        <VideoView track={video} fit="contain" />
      ) : unplayableCodec ? (
        <div class="tile__avatar">
          <span class="tile__audio-only" data-testid="tile-unplayable" role="status">
            {t('media.unplayable', { codec: CODEC_LABEL[unplayableCodec] })}
          </span>
        </div>
      ) : (
        <div class="tile__avatar">
          <span class="tile__audio-only" data-testid="tile-audio-only">
            {t('lowData.tileAudioOnly')}
          </span>
        </div>
      )}
      <figcaption class="tile__caption">
        <span class="tile__name">{label}</span>
      </figcaption>
    </figure>
  );
}

/**
 * Why a video stopped: the server paused it because our own connection cannot carry even its lowest
 * quality (audio goes on); it comes back by itself when the connection allows. A status, so screen
 * readers hear it once, calmly.
 */
export function BandwidthPauseNotice() {
  return (
    <div class="tile__keys" data-testid="tile-paused-bandwidth" role="status">
      {t('media.pausedForBandwidth')}
    </div>
  );
}

const QUALITY_LABELS = { good: 'quality.good', fair: 'quality.fair', poor: 'quality.poor' } as const;

/** Three bars, filled by quality; the words are there for screen readers and as a tooltip. */
function QualitySign({ quality }: { quality: 'good' | 'fair' | 'poor' }) {
  const filled = quality === 'good' ? 3 : quality === 'fair' ? 2 : 1;
  const label = t(QUALITY_LABELS[quality]);
  return (
    <span class={`tile__quality tile__quality--${quality}`} title={label} data-testid="connection-quality">
      <svg viewBox="0 0 12 12" width="14" height="14" aria-hidden="true" focusable="false">
        {[0, 1, 2].map((bar) => (
          <rect
            key={bar}
            x={1 + bar * 4}
            y={8 - bar * 3}
            width="2.5"
            height={3 + bar * 3}
            rx="0.5"
            fill="currentColor"
            opacity={bar < filled ? 1 : 0.3}
          />
        ))}
      </svg>
      <span class="visually-hidden">{label}</span>
    </span>
  );
}

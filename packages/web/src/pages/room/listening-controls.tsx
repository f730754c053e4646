import { DEFAULT_LISTENING, listening, setListening } from '../../conference/listening';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { SpeakerIcon } from '../../ui/low-data-icons';

/**
 * How loud one other participant plays on this device: a volume slider (0–100, `volume`) and "mute
 * for me" (`mute-for-me`), which only this device hears — unlike a moderator's mute.
 */
export function ListeningControls({ participantId, name }: { participantId: string; name: string }) {
  const setting = useStore(listening).get(participantId) ?? DEFAULT_LISTENING;
  const muted = setting.mutedForMe;
  return (
    <div class="listening" data-muted-for-me={muted ? 'true' : 'false'}>
      <button
        type="button"
        class={muted ? 'listening__mute listening__mute--on' : 'listening__mute'}
        data-testid="mute-for-me"
        aria-pressed={muted}
        aria-label={t('listening.muteForMe', { name })}
        title={muted ? t('listening.mutedForMe') : t('listening.muteForMe', { name })}
        onClick={() => setListening(participantId, { mutedForMe: !muted })}
      >
        <SpeakerIcon off={muted || setting.volume === 0} />
      </button>
      <input
        type="range"
        class="listening__volume"
        data-testid="volume"
        min={0}
        max={100}
        step={5}
        value={setting.volume}
        disabled={muted}
        aria-label={t('listening.volume', { name })}
        aria-valuetext={t('listening.percent', { value: setting.volume })}
        onInput={(event) => setListening(participantId, { volume: Number(event.currentTarget.value) })}
      />
      {muted && <span class="tag tag--attention">{t('listening.mutedForMe')}</span>}
    </div>
  );
}

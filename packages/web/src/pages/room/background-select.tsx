import { useState } from 'preact/hooks';
import type { LocalMedia } from '../../conference/local-media';
import { type MessageKey, t } from '../../i18n';
import {
  BACKGROUND_CHOICES,
  type BackgroundChoice,
  isBackgroundChoice,
  loadBackgroundImage,
  pictureFromFile,
  saveBackgroundImage,
} from '../../media-processing/background-choice';
import type { BackgroundState } from '../../media-processing/camera-background';
import { useStore } from '../../state/store';

/** The select's extra entry that opens the file picker instead of choosing. */
const PICK = 'pick';

function statusMessage(state: BackgroundState, pictureProblem: boolean): MessageKey {
  if (pictureProblem) return 'background.badPicture';
  if (state.starting) return 'background.starting';
  if (state.problem === 'too-slow') return 'background.tooSlow';
  if (state.problem === 'failed') return 'background.failed';
  if (state.problem === 'unsupported') return 'background.unsupported';
  return 'background.privacy';
}

/**
 * The camera's background (`background`): no effect, blur, one of Parley's pictures, or one's own
 * picture (read from a file here, kept in this browser only). On the pre-join screen under the
 * preview, and in the room's toolbar (behind "More" on phones).
 */
export function BackgroundSelect({
  local,
  id,
  inToolbar,
}: {
  local: LocalMedia;
  id: string;
  inToolbar?: boolean;
}) {
  const state = useStore(local.background.state);
  const [hasPicture, setHasPicture] = useState(() => loadBackgroundImage() !== null);
  const [pictureProblem, setPictureProblem] = useState(false);
  const fileId = `${id}-file`;
  const hintId = `${id}-hint`;
  if (!state.supported) {
    return inToolbar ? null : <p class="hint">{t('background.unsupported')}</p>;
  }
  const choices = BACKGROUND_CHOICES.filter((choice) => choice !== 'custom' || hasPicture);

  const choose = (value: string) => {
    setPictureProblem(false);
    if (value === PICK) {
      // The file picker opens from this user action; the select keeps showing the current choice.
      document.getElementById(fileId)?.click();
      return;
    }
    if (isBackgroundChoice(value)) void local.chooseBackground(value);
  };

  const picked = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const picture = await pictureFromFile(file);
    if (!picture || !saveBackgroundImage(picture)) {
      setPictureProblem(true);
      return;
    }
    setHasPicture(true);
    setPictureProblem(false);
    await local.chooseBackground('custom');
  };

  const message = statusMessage(state, pictureProblem);
  const alert = message !== 'background.privacy' && message !== 'background.starting';
  return (
    <div class={inToolbar ? 'control background-control' : 'device-select background-select'}>
      <label for={id} class={inToolbar ? 'control__label' : undefined}>
        {t('background.label')}
      </label>
      <select
        id={id}
        data-testid="background"
        value={state.choice}
        aria-describedby={hintId}
        aria-busy={state.starting || undefined}
        onChange={(event) => {
          const select = event.currentTarget;
          choose(select.value);
          if (select.value === PICK) select.value = state.choice;
        }}
      >
        {choices.map((choice: BackgroundChoice) => (
          <option key={choice} value={choice}>
            {t(`background.${choice}`)}
          </option>
        ))}
        <option value={PICK}>{t('background.pick')}</option>
      </select>
      <input
        id={fileId}
        data-testid="background-file"
        type="file"
        accept="image/jpeg,image/png,image/webp"
        class="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(event) => void picked(event.currentTarget)}
      />
      <p
        id={hintId}
        class={inToolbar ? (alert ? 'background-control__problem' : 'visually-hidden') : 'hint'}
        role={alert ? 'alert' : undefined}
      >
        {t(message)}
      </p>
    </div>
  );
}

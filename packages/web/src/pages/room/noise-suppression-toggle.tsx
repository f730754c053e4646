import type { LocalMedia } from '../../conference/local-media';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { ToggleButton } from '../../ui/toggle-button';

/**
 * Noise suppression on the microphone (`noise-suppression`, `data-state` on | off), on the pre-join
 * screen and in the room. Shows the person's choice; when the browser cannot run it, it shows off
 * and says why.
 */
export function NoiseSuppressionToggle({
  local,
  onChange,
}: {
  local: LocalMedia;
  onChange: (on: boolean) => void;
}) {
  const noise = useStore(local.noise.state);
  const on = noise.wanted && !noise.unavailable;
  return (
    <ToggleButton
      testId="noise-suppression"
      label={t('noise.toggle')}
      on={on}
      onToggle={() => onChange(!on)}
      icon={<NoiseIcon off={!on} />}
      description={noise.unavailable ? t('noise.unavailable') : undefined}
    />
  );
}

/**
 * A clean sound wave, struck through when off (decorative: the button has the label). The stroke
 * shows the state where the button's colour does not (the pre-join preview draws every button alike).
 */
function NoiseIcon({ off }: { off: boolean }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="24"
      height="24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M3 12h2M7 8v8M11 5v14M15 9v6M19 11v2M21 12h0" />
      {off && <path d="M4 4l16 16" />}
    </svg>
  );
}

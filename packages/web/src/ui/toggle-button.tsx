import type { ComponentChildren } from 'preact';

interface ToggleButtonProps {
  testId: string;
  label: string;
  on: boolean;
  onToggle: () => void;
  icon: ComponentChildren;
  /** Off is worth noticing (microphone, camera); otherwise on is the highlighted state (screen share). */
  warnWhenOff?: boolean;
  disabled?: boolean;
  busy?: boolean;
}

/** A button that switches a source on or off; its state is in `aria-pressed` and `data-state`. */
export function ToggleButton({
  testId,
  label,
  on,
  onToggle,
  icon,
  warnWhenOff = false,
  disabled = false,
  busy = false,
}: ToggleButtonProps) {
  const tone = on ? (warnWhenOff ? '' : 'control--active') : warnWhenOff ? 'control--warn' : '';
  return (
    <button
      type="button"
      class={`control ${tone}`}
      data-testid={testId}
      data-state={on ? 'on' : 'off'}
      aria-pressed={on}
      aria-label={label}
      aria-busy={busy || undefined}
      title={label}
      disabled={disabled}
      onClick={onToggle}
    >
      {icon}
      <span class="control__label" aria-hidden="true">
        {label}
      </span>
    </button>
  );
}

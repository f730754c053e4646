import type { ComponentChildren } from 'preact';
import { LockIcon } from './icons';

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
  /** A longer accessible name and tooltip than the visible label, when the state needs explaining. */
  description?: string;
  /** Someone else keeps it off (a moderator's "ask to unmute"): shown with a lock, `data-locked`. */
  locked?: boolean;
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
  locked = false,
  description,
}: ToggleButtonProps) {
  const tone = on ? (warnWhenOff ? '' : 'control--active') : warnWhenOff ? 'control--warn' : '';
  return (
    <button
      type="button"
      class={`control ${tone}`}
      data-testid={testId}
      data-state={on ? 'on' : 'off'}
      data-locked={locked ? 'true' : undefined}
      aria-pressed={on}
      aria-label={description ?? label}
      aria-busy={busy || undefined}
      title={description ?? label}
      disabled={disabled}
      onClick={onToggle}
    >
      {icon}
      {locked && (
        <span class="control__lock">
          <LockIcon />
        </span>
      )}
      <span class="control__label" aria-hidden="true">
        {label}
      </span>
    </button>
  );
}

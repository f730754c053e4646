interface SwitchProps {
  testId: string;
  label: string;
  on: boolean;
  onChange: (on: boolean) => void;
  disabled?: boolean;
  busy?: boolean;
}

/**
 * An on/off setting that takes effect at once: a `role="switch"` button with `aria-checked` and
 * `data-state` (`on` | `off`), its label beside it.
 */
export function Switch({ testId, label, on, onChange, disabled = false, busy = false }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      class="switch"
      data-testid={testId}
      data-state={on ? 'on' : 'off'}
      aria-checked={on}
      aria-busy={busy || undefined}
      disabled={disabled}
      onClick={() => onChange(!on)}
    >
      <span class="switch__track" aria-hidden="true">
        <span class="switch__thumb" />
      </span>
      <span class="switch__label">{label}</span>
    </button>
  );
}

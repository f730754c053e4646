import type { ComponentChildren } from 'preact';

interface PanelButtonProps {
  testId: string;
  /** The panel's element id (for `aria-controls`). */
  panelId: string;
  label: string;
  icon: ComponentChildren;
  open: boolean;
  onToggle: () => void;
  /** A count worth noticing (unread messages, people knocking); hidden at 0. */
  badge?: number;
  /** Spoken with the label while the badge shows, e.g. "3 unread messages". */
  badgeLabel?: string;
}

/** A toolbar button that opens and closes a side panel (`aria-expanded`, `data-state` open/closed). */
export function PanelButton({
  testId,
  panelId,
  label,
  icon,
  open,
  onToggle,
  badge = 0,
  badgeLabel,
}: PanelButtonProps) {
  const name = badge > 0 && badgeLabel ? `${label}, ${badgeLabel}` : label;
  return (
    <button
      type="button"
      class={open ? 'control control--active' : 'control'}
      data-testid={testId}
      data-state={open ? 'open' : 'closed'}
      aria-expanded={open}
      aria-controls={open ? panelId : undefined}
      aria-label={name}
      title={name}
      onClick={onToggle}
    >
      {icon}
      {badge > 0 && (
        <span class="control__badge" data-testid={`${testId}-badge`} aria-hidden="true">
          {badge > 99 ? '99+' : badge}
        </span>
      )}
      <span class="control__label" aria-hidden="true">
        {label}
      </span>
    </button>
  );
}

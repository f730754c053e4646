import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import { CloseIcon } from './icons';

interface SidePanelProps {
  id: string;
  title: string;
  onClose: () => void;
  /** Buttons beside the title (e.g. "Clear chat"). */
  actions?: ComponentChildren;
  children: ComponentChildren;
  /** Where focus goes when the panel opens; the title when not given. */
  initialFocus?: { current: HTMLElement | null };
  testId?: string;
}

/**
 * A panel beside the meeting (participants, chat, security). Takes focus when it opens, closes with
 * Escape, and gives focus back to whatever opened it.
 */
export function SidePanel({ id, title, onClose, actions, children, initialFocus, testId }: SidePanelProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    (initialFocus?.current ?? headingRef.current)?.focus({ preventScroll: true });
    return () => {
      // Back to the opener, unless the user has moved on to something else meanwhile.
      const focus = document.activeElement;
      if (opener?.isConnected && (focus === null || focus === document.body))
        opener.focus({ preventScroll: true });
    };
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      onClose();
    }
  };
  return (
    <aside id={id} class="panel" aria-labelledby={`${id}-title`} onKeyDown={onKeyDown} data-testid={testId}>
      <header class="panel__header">
        <h2 id={`${id}-title`} class="panel__title" tabIndex={-1} ref={headingRef}>
          {title}
        </h2>
        {actions}
        <button
          type="button"
          class="icon-button"
          aria-label={t('panel.close')}
          title={t('panel.close')}
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </header>
      <div class="panel__body">{children}</div>
    </aside>
  );
}

import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n';
import { CloseIcon } from './icons';

const SHOWN_MS = 8000;

interface ToastProps {
  children: ComponentChildren;
  onDismiss: () => void;
  /** A button that acts on the message (e.g. "Ask to unmute"). */
  action?: ComponentChildren;
}

/**
 * A short message that goes away by itself. Not a live region: what matters is also announced
 * through the meeting's live region, so screen readers do not hear it twice.
 */
export function Toast({ children, onDismiss, action }: ToastProps) {
  useEffect(() => {
    const timer = setTimeout(onDismiss, SHOWN_MS);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div class="toast" data-testid="toast">
      <div class="toast__text">{children}</div>
      {action}
      <button
        type="button"
        class="icon-button"
        aria-label={t('meeting.dismiss')}
        title={t('meeting.dismiss')}
        onClick={onDismiss}
      >
        <CloseIcon />
      </button>
    </div>
  );
}

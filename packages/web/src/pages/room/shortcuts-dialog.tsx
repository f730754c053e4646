import { useEffect, useRef } from 'preact/hooks';
import { SHORTCUTS, type ShortcutAction } from '../../conference/shortcuts';
import { type MessageKey, t } from '../../i18n';
import { CloseIcon } from '../../ui/icons';

const DESCRIPTIONS: Record<ShortcutAction, MessageKey> = {
  mic: 'shortcuts.mic',
  camera: 'shortcuts.camera',
  screen: 'shortcuts.screen',
  hand: 'shortcuts.hand',
  chat: 'shortcuts.chat',
  help: 'shortcuts.help',
};

/** The list of keyboard shortcuts, as a modal dialog (the browser keeps focus inside; Escape closes). */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal?.();
    return () => dialog?.close?.();
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      data-testid="shortcuts-dialog"
      aria-labelledby="shortcuts-title"
      onClose={onClose}
      onCancel={onClose}
    >
      <div class="dialog__header">
        <h2 id="shortcuts-title" class="dialog__title">
          {t('shortcuts.title')}
        </h2>
        <button
          type="button"
          class="icon-button"
          aria-label={t('panel.close')}
          title={t('panel.close')}
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </div>
      <dl class="shortcuts">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.key} class="shortcuts__row">
            <dt>
              <kbd>{shortcut.key}</kbd>
            </dt>
            <dd>{t(DESCRIPTIONS[shortcut.action])}</dd>
          </div>
        ))}
      </dl>
      <p class="hint">{t('shortcuts.hint')}</p>
    </dialog>
  );
}

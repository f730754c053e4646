import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n';
import { MoreIcon } from '../../ui/icons';

export const MORE_MENU_ID = 'toolbar-more';

/**
 * The toolbar's secondary controls. On phone-sized screens they sit behind "More" (`more-toggle`), a
 * disclosure button whose group opens above the toolbar: one click shows every control in it, Escape
 * or a click elsewhere closes it and focus goes back to the button. On wider screens the group is
 * simply part of the toolbar (CSS `display: contents`) and the button is hidden — all in styles.css,
 * so nothing here depends on the window's size.
 */
export function MoreMenu({ children }: { children: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const groupRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    groupRef.current?.querySelector<HTMLElement>('button')?.focus();
    const closeOutside = (event: PointerEvent) => {
      const target = event.target as Node | null;
      if (!groupRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    const closeOnEscape = (event: KeyboardEvent) => {
      const target = event.target as Element | null;
      const inside = groupRef.current?.contains(target) || buttonRef.current === target;
      // The reactions row inside closes itself first.
      if (event.key !== 'Escape' || !inside || target?.closest('.reactions__menu')) return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener('pointerdown', closeOutside);
    document.addEventListener('keydown', closeOnEscape);
    return () => {
      document.removeEventListener('pointerdown', closeOutside);
      document.removeEventListener('keydown', closeOnEscape);
    };
  }, [open]);
  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        class={open ? 'control control--active toolbar__more-toggle' : 'control toolbar__more-toggle'}
        data-testid="more-toggle"
        aria-expanded={open}
        aria-controls={MORE_MENU_ID}
        aria-label={t('toolbar.more')}
        title={t('toolbar.more')}
        onClick={() => setOpen(!open)}
      >
        <MoreIcon />
        <span class="control__label" aria-hidden="true">
          {t('toolbar.more')}
        </span>
      </button>
      <div
        ref={groupRef}
        id={MORE_MENU_ID}
        class={open ? 'toolbar__more toolbar__more--open' : 'toolbar__more'}
      >
        {children}
      </div>
    </>
  );
}

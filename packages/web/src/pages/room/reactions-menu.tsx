import { useEffect, useRef, useState } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import { REACTION_EMOJI, REACTIONS } from '../../conference/meeting-life';
import { t } from '../../i18n';
import { SmileIcon } from '../../ui/icons';

/** A toolbar button opening a small row of emoji; each sends that reaction. Escape closes it. */
export function ReactionsMenu({ meeting }: { meeting: Meeting }) {
  const [open, setOpen] = useState(false);
  const menuRef = useRef<HTMLFieldSetElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) menuRef.current?.querySelector('button')?.focus();
  }, [open]);
  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };
  return (
    <div class="reactions">
      <button
        ref={buttonRef}
        type="button"
        class={open ? 'control control--active' : 'control'}
        data-testid="reactions-toggle"
        aria-expanded={open}
        aria-controls="reactions-menu"
        aria-label={t('toolbar.reactions')}
        title={t('toolbar.reactions')}
        onClick={() => setOpen(!open)}
      >
        <SmileIcon />
        <span class="control__label" aria-hidden="true">
          {t('toolbar.reactions')}
        </span>
      </button>
      {open && (
        <fieldset
          ref={menuRef}
          id="reactions-menu"
          class="reactions__menu"
          aria-label={t('toolbar.reactions')}
          onKeyDown={(event) => {
            if (event.key === 'Escape') close();
          }}
        >
          {REACTIONS.map((reaction) => (
            <button
              key={reaction}
              type="button"
              class="reactions__choice"
              data-testid="reaction"
              data-reaction={reaction}
              aria-label={t(REACTION_EMOJI[reaction].label)}
              title={t(REACTION_EMOJI[reaction].label)}
              onClick={() => {
                meeting.life.react(reaction).catch(() => undefined);
              }}
            >
              <span aria-hidden="true">{REACTION_EMOJI[reaction].emoji}</span>
            </button>
          ))}
        </fieldset>
      )}
    </div>
  );
}

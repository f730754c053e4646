import {
  MAX_POLL_OPTION_CHARS,
  MAX_POLL_OPTIONS,
  MAX_POLL_QUESTION_CHARS,
  MIN_POLL_OPTIONS,
} from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import type { PollView } from '../../conference/polls';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { CloseIcon, Icon } from '../../ui/icons';

function PollIcon() {
  return (
    <Icon>
      <path d="M5 20V11M12 20V4M19 20v-6" />
    </Icon>
  );
}

/** The toolbar control that opens the new-poll form: moderators only (with or without E2EE). */
export function PollCreateButton({ meeting, onOpen }: { meeting: Meeting; onOpen: () => void }) {
  const state = useStore(meeting.state);
  useStore(meeting.e2ee.state);
  const self = state.self;
  if (self?.role !== 'moderator') return null;
  return (
    <button
      type="button"
      class="control"
      data-testid="poll-create"
      aria-label={t('poll.create')}
      title={t('poll.create')}
      aria-haspopup="dialog"
      onClick={onOpen}
    >
      <PollIcon />
      <span class="control__label" aria-hidden="true">
        {t('poll.short')}
      </span>
    </button>
  );
}

/** The new-poll form, a modal dialog. */
export function PollCreateDialog({ meeting, onClose }: { meeting: Meeting; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState<string[]>(['', '']);
  const [multiple, setMultiple] = useState(false);
  const [anonymous, setAnonymous] = useState(false);
  const [live, setLive] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal?.();
    return () => dialog?.close?.();
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const answers = options.map((o) => o.trim()).filter((o) => o.length > 0);
    if (question.trim().length === 0 || answers.length < MIN_POLL_OPTIONS) {
      setError(t('poll.incomplete'));
      return;
    }
    setBusy(true);
    try {
      await meeting.polls.start({
        question,
        options: answers,
        multiple,
        anonymous,
        results: live ? 'live' : 'close',
      });
      onClose();
    } catch {
      setError(t('poll.failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      class="dialog poll-dialog"
      aria-labelledby="poll-create-title"
      onClose={onClose}
      onCancel={onClose}
    >
      <div class="dialog__header">
        <h2 id="poll-create-title" class="dialog__title">
          {t('poll.create')}
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
      <form class="form" onSubmit={submit}>
        <label for="poll-question">{t('poll.question')}</label>
        <input
          id="poll-question"
          data-testid="poll-question"
          maxLength={MAX_POLL_QUESTION_CHARS}
          value={question}
          onInput={(e) => setQuestion((e.target as HTMLInputElement).value)}
          required
        />
        <fieldset class="poll-dialog__answers">
          <legend>{t('poll.answers')}</legend>
          {options.map((option, index) => (
            <div class="field-row" key={index}>
              <input
                data-testid="poll-option"
                aria-label={t('poll.answer', { number: index + 1 })}
                maxLength={MAX_POLL_OPTION_CHARS}
                value={option}
                onInput={(e) => {
                  const value = (e.target as HTMLInputElement).value;
                  setOptions((all) => all.map((o, i) => (i === index ? value : o)));
                }}
              />
              {options.length > MIN_POLL_OPTIONS && (
                <button
                  type="button"
                  class="icon-button"
                  aria-label={t('poll.removeAnswer', { number: index + 1 })}
                  title={t('poll.removeAnswer', { number: index + 1 })}
                  onClick={() => setOptions((all) => all.filter((_, i) => i !== index))}
                >
                  <CloseIcon />
                </button>
              )}
            </div>
          ))}
          {options.length < MAX_POLL_OPTIONS && (
            <button
              type="button"
              class="button button--secondary button--small"
              data-testid="poll-add-option"
              onClick={() => setOptions((all) => [...all, ''])}
            >
              {t('poll.addAnswer')}
            </button>
          )}
        </fieldset>
        <label class="checkbox">
          <input
            type="checkbox"
            data-testid="poll-multiple"
            checked={multiple}
            onChange={(e) => setMultiple((e.target as HTMLInputElement).checked)}
          />
          {t('poll.multiple')}
        </label>
        <label class="checkbox">
          <input
            type="checkbox"
            data-testid="poll-anonymous"
            checked={anonymous}
            onChange={(e) => setAnonymous((e.target as HTMLInputElement).checked)}
          />
          {t('poll.anonymous')}
        </label>
        <label class="checkbox">
          <input
            type="checkbox"
            data-testid="poll-live"
            checked={live}
            onChange={(e) => setLive((e.target as HTMLInputElement).checked)}
          />
          {t('poll.liveResults')}
        </label>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button" data-testid="poll-start" disabled={busy}>
          {t('poll.start')}
        </button>
      </form>
    </dialog>
  );
}

/** Every poll of the meeting as everyone sees it: the newest open one first, then closed ones. */
export function PollCards({ meeting }: { meeting: Meeting }) {
  const { polls } = useStore(meeting.polls.state);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const shown = [...polls].reverse().filter((poll) => !hidden.has(poll.spec.id));
  if (shown.length === 0) return null;
  return (
    <div class="poll-cards">
      {shown.map((poll) => (
        <PollCard
          key={poll.spec.id}
          poll={poll}
          meeting={meeting}
          onHide={() => setHidden((all) => new Set([...all, poll.spec.id]))}
        />
      ))}
    </div>
  );
}

function PollCard({ poll, meeting, onHide }: { poll: PollView; meeting: Meeting; onHide: () => void }) {
  const [collapsed, setCollapsed] = useState(false);
  const [error, setError] = useState(false);
  const open = poll.state === 'open';
  const titleId = `poll-title-${poll.spec.id}`;
  const total = poll.counts
    ? Math.max(
        1,
        poll.counts.reduce((a, b) => a + b, 0),
      )
    : 1;
  const choose = (index: number) => {
    const choices = poll.spec.multiple
      ? poll.mine.includes(index)
        ? poll.mine.filter((c) => c !== index)
        : [...poll.mine, index]
      : [index];
    if (choices.length === 0) return;
    setError(false);
    meeting.polls.vote(poll.spec.id, choices).catch(() => setError(true));
  };
  return (
    <section class="poll-card" data-testid="poll" data-state={poll.state} aria-labelledby={titleId}>
      <div class="poll-card__header">
        <h2 id={titleId} class="poll-card__question">
          {poll.spec.question}
        </h2>
        <button
          type="button"
          class="icon-button"
          aria-expanded={!collapsed}
          aria-label={collapsed ? t('poll.expand') : t('poll.collapse')}
          title={collapsed ? t('poll.expand') : t('poll.collapse')}
          onClick={() => setCollapsed(!collapsed)}
        >
          <PollIcon />
        </button>
        {!open && (
          <button
            type="button"
            class="icon-button"
            aria-label={t('poll.dismiss')}
            title={t('poll.dismiss')}
            onClick={onHide}
          >
            <CloseIcon />
          </button>
        )}
      </div>
      {!collapsed && (
        <>
          <p class="hint">
            {t(open ? 'poll.openBy' : 'poll.closedBy', { name: poll.creatorName })}
            {' · '}
            {t(poll.spec.multiple ? 'poll.chooseMany' : 'poll.chooseOne')}
          </p>
          {poll.spec.anonymous && <p class="hint">{t('poll.anonymousNote')}</p>}
          <ul class="poll-card__options">
            {poll.spec.options.map((option, index) => {
              const count = poll.counts?.[index];
              const chosen = poll.mine.includes(index);
              return (
                <li key={index} class="poll-card__option">
                  <button
                    type="button"
                    class={chosen ? 'poll-card__vote poll-card__vote--chosen' : 'poll-card__vote'}
                    data-testid="poll-vote"
                    data-option={index}
                    aria-pressed={chosen}
                    disabled={!open}
                    onClick={() => choose(index)}
                  >
                    {option}
                  </button>
                  {count !== undefined && (
                    <span
                      class="poll-card__result"
                      data-testid="poll-result"
                      data-option={index}
                      data-votes={count}
                      style={{ '--share': `${Math.round((count / total) * 100)}%` }}
                    >
                      {t('poll.votes', { count })}
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
          <p class="hint" aria-live="polite">
            {poll.counts === null
              ? t(poll.spec.results === 'close' && open ? 'poll.resultsAtClose' : 'poll.noCountYet')
              : t('poll.voters', { count: poll.voters ?? 0 })}
          </p>
          {error && (
            <p class="field-error" role="alert">
              {t('poll.voteFailed')}
            </p>
          )}
          {open && poll.own && (
            <button
              type="button"
              class="button button--secondary button--small"
              data-testid="poll-close"
              onClick={() => meeting.polls.close(poll.spec.id).catch(() => setError(true))}
            >
              {t('poll.close')}
            </button>
          )}
        </>
      )}
    </section>
  );
}

import type { ParticipantInfo } from '@parley/protocol';
import { useEffect, useRef } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { Icon } from '../../ui/icons';

function RecordIcon() {
  return (
    <Icon>
      <circle cx="12" cy="12" r="8" />
      <circle cx="12" cy="12" r="3.5" fill="currentColor" />
    </Icon>
  );
}

/** Toolbar button (behind "More" on phones): start recording; only for those who may. */
export function RecordingStartButton({ meeting }: { meeting: Meeting }) {
  const recording = useStore(meeting.recording.state);
  useStore(meeting.state);
  if (!meeting.recording.mayStart || recording.recording !== null) return null;
  return (
    <button
      type="button"
      class="control"
      data-testid="recording-start"
      aria-label={t('recording.start')}
      title={t('recording.start')}
      onClick={() => void meeting.recording.start().catch(() => undefined)}
    >
      <RecordIcon />
      <span class="control__label" aria-hidden="true">
        {t('recording.start')}
      </span>
    </button>
  );
}

/**
 * Shown to everyone while a recording runs: who records, who is not in it, and — for the recorder
 * and moderators — Stop. `data-recorder` (the recorder only): `waiting` until everyone answered,
 * then `recording`; `data-composed`: how many participants the recorder's file shows now.
 */
export function RecordingIndicator({
  meeting,
  participants,
}: {
  meeting: Meeting;
  participants: readonly ParticipantInfo[];
}) {
  const state = useStore(meeting.recording.state);
  const meetingState = useStore(meeting.state);
  const recording = state.recording;
  const self = meetingState.self;
  if (!recording || !self) return null;
  const ours = recording.recorderId === self.id;
  const recorderName = participants.find((p) => p.id === recording.recorderId)?.displayName ?? '';
  const consented = new Set(recording.consented);
  const everyone = [self, ...participants];
  const leftOut = everyone.filter((p) => !consented.has(p.id));
  const answered = recording.consented.includes(self.id) || recording.declined.includes(self.id);
  const names = leftOut.map((p) => (p.id === self.id ? t('recording.youLeftOut') : p.displayName)).join(', ');
  return (
    <div
      class="banner banner--status recording-indicator"
      role="status"
      data-testid="recording-indicator"
      data-recorder={ours ? (state.recorder ?? 'waiting') : undefined}
      data-composed={ours ? String(state.composed.length) : undefined}
      data-left-out={String(leftOut.length)}
    >
      <span class="recording-indicator__dot" aria-hidden="true" />
      <div class="banner__text">
        <strong>
          {ours
            ? state.recorder === 'recording'
              ? t('recording.byYou')
              : t('recording.waiting')
            : t('recording.byName', { name: recorderName })}
        </strong>{' '}
        {leftOut.length > 0 && (
          <span data-testid="recording-left-out">{t('recording.leftOut', { names })}</span>
        )}
      </div>
      <div class="banner__actions">
        {!ours && answered && !state.consentAsked && (
          <button
            type="button"
            class="button button--quiet button--small"
            data-testid="recording-change-answer"
            onClick={() => meeting.recording.state.update((s) => ({ ...s, consentAsked: true }))}
          >
            {t('recording.changeAnswer')}
          </button>
        )}
        {meeting.recording.mayStop && (
          <button
            type="button"
            class="button button--danger button--small"
            data-testid="recording-stop"
            onClick={() => void meeting.recording.stop().catch(() => undefined)}
          >
            {t('recording.stop')}
          </button>
        )}
      </div>
    </div>
  );
}

/**
 * The consent notice the server asked for: a modal dialog that stays until answered. Declining (or
 * not answering) keeps one's video and audio out of the recording.
 */
export function RecordingConsent({
  meeting,
  participants,
}: {
  meeting: Meeting;
  participants: readonly ParticipantInfo[];
}) {
  const state = useStore(meeting.recording.state);
  const ref = useRef<HTMLDialogElement>(null);
  const open = state.consentAsked && state.recording !== null;
  useEffect(() => {
    const dialog = ref.current;
    if (open && dialog && !dialog.open) dialog.showModal?.();
    if (!open && dialog?.open) dialog.close();
  }, [open]);
  if (!open || !state.recording) return null;
  const recorderId = state.recording.recorderId;
  const name = participants.find((p) => p.id === recorderId)?.displayName ?? '';
  return (
    <dialog
      ref={ref}
      class="dialog recording-consent"
      data-testid="recording-consent"
      aria-labelledby="recording-consent-title"
      aria-describedby="recording-consent-text"
      // Escape does not dismiss it: only an answer closes it.
      onCancel={(event) => event.preventDefault()}
    >
      <h2 id="recording-consent-title" class="dialog__title">
        {t('recording.consentTitle')}
      </h2>
      <p id="recording-consent-text">{t('recording.consentText', { name })}</p>
      <div class="dialog__actions">
        <button
          type="button"
          class="button button--primary"
          data-testid="recording-accept"
          onClick={() => void meeting.recording.answer(true).catch(() => undefined)}
        >
          {t('recording.accept')}
        </button>
        <button
          type="button"
          class="button button--secondary"
          data-testid="recording-decline"
          onClick={() => void meeting.recording.answer(false).catch(() => undefined)}
        >
          {t('recording.decline')}
        </button>
      </div>
    </dialog>
  );
}

/** The recorder's finished file, saved from memory on this device. */
export function RecordingDownload({ meeting }: { meeting: Meeting }) {
  const { download } = useStore(meeting.recording.state);
  if (!download) return null;
  const seconds = Math.round(download.durationMs / 1000);
  return (
    <div class="banner banner--status" data-testid="recording-ready">
      <RecordIcon />
      <div class="banner__text">{t('recording.ready', { seconds })}</div>
      <div class="banner__actions">
        <a
          class="button button--primary button--small"
          href={download.url}
          download={download.fileName}
          data-testid="recording-download"
        >
          {t('recording.download')}
        </a>
        <button
          type="button"
          class="button button--quiet button--small"
          onClick={() => meeting.recording.dismissDownload()}
        >
          {t('meeting.dismiss')}
        </button>
      </div>
    </div>
  );
}

/** Moderators, in a participant's row: allow them to record (or no longer). */
export function RecordingPermitButton({ meeting, person }: { meeting: Meeting; person: ParticipantInfo }) {
  const { permitted } = useStore(meeting.recording.state);
  if (person.role === 'moderator') return null;
  const allowed = permitted.includes(person.id);
  return (
    <button
      type="button"
      class="button button--quiet button--small"
      data-testid="recording-permit"
      aria-pressed={allowed}
      aria-label={t('recording.permitName', { name: person.displayName })}
      onClick={() => void meeting.recording.permit(person.id, !allowed).catch(() => undefined)}
    >
      {t('recording.permit')}
    </button>
  );
}

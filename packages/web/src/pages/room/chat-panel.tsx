import { MAX_CHAT_TEXT_BYTES, type ParticipantInfo } from '@parley/protocol';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { chatTextProblem, type LoggedChatMessage } from '../../conference/chat-log';
import type { Meeting } from '../../conference/meeting';
import { language, t } from '../../i18n';
import { useStore } from '../../state/store';
import { SidePanel } from '../../ui/side-panel';
import type { MessageRef } from './join-messages';
import { requestErrorMessage } from './request-errors';
import { useActions } from './use-action';

export const CHAT_PANEL_ID = 'chat-panel';
/** Within this many pixels of the end, the list follows new messages. */
const FOLLOW_SLACK_PX = 48;

interface ChatPanelProps {
  meeting: Meeting;
  self: ParticipantInfo;
  participants: readonly ParticipantInfo[];
  onClose: () => void;
}

/**
 * The meeting's chat: messages to everyone or privately to one person. Text is only ever rendered as
 * text (never as HTML), and links stay plain text: nothing is fetched or previewed.
 */
export function ChatPanel({ meeting, self, participants, onClose }: ChatPanelProps) {
  const { messages } = useStore(meeting.chat.log);
  const actions = useActions();
  const [text, setText] = useState('');
  /** The recipient's participant id, or '' for everyone. */
  const [to, setTo] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<MessageRef | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const moderator = self.role === 'moderator';

  useLayoutEffect(() => {
    const list = listRef.current;
    if (list && following.current) list.scrollTop = list.scrollHeight;
  }, [messages]);

  const names = new Map(participants.map((person) => [person.id, person.displayName]));
  names.set(self.id, self.displayName);
  const recipientPresent = to === '' || participants.some((person) => person.id === to);

  const send = async () => {
    if (sending) return;
    const problem = chatTextProblem(text);
    if (problem === 'empty') return;
    if (problem === 'too-long') {
      setError({ key: 'chat.tooLong', params: { max: MAX_CHAT_TEXT_BYTES } });
      return;
    }
    if (!recipientPresent) {
      // Never fall back to "everyone" on our own: the text was meant for one person.
      setError({ key: 'chat.recipientLeft' });
      return;
    }
    setSending(true);
    setError(null);
    try {
      await meeting.chat.send(text, to === '' ? null : to);
      setText('');
      following.current = true;
    } catch (failure) {
      setError(requestErrorMessage(failure));
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    // Enter sends; Shift+Enter starts a new line; Enter that confirms an input method's text does neither.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    void send();
  };

  return (
    <SidePanel
      id={CHAT_PANEL_ID}
      title={t('chat.title')}
      onClose={onClose}
      initialFocus={inputRef}
      testId="chat-panel"
      actions={
        moderator && (
          <button
            type="button"
            class="button button--quiet button--small"
            data-testid="chat-clear"
            disabled={messages.length === 0}
            onClick={() => void actions.run('clear', () => meeting.chat.clear())}
          >
            {t('chat.clear')}
          </button>
        )
      }
    >
      {actions.error && (
        <p class="notice notice--error" role="alert">
          {t(actions.error.key, actions.error.params)}
        </p>
      )}
      <div
        ref={listRef}
        class="chat__list"
        role="log"
        aria-label={t('chat.listLabel')}
        onScroll={(event) => {
          const list = event.currentTarget;
          following.current = list.scrollHeight - list.scrollTop - list.clientHeight < FOLLOW_SLACK_PX;
        }}
      >
        {messages.length === 0 && <p class="chat__empty hint">{t('chat.empty')}</p>}
        <ol class="chat__items">
          {messages.map((message) => {
            const own = message.from === self.id;
            return (
              <ChatMessageView
                key={message.id}
                message={message}
                own={own}
                recipientName={message.to ? (names.get(message.to) ?? t('chat.someoneWhoLeft')) : null}
                onDelete={
                  own || moderator
                    ? () => void actions.run(`delete:${message.id}`, () => meeting.chat.delete(message.id))
                    : null
                }
              />
            );
          })}
        </ol>
      </div>
      <form
        class="chat__form"
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <div class="chat__recipient">
          <label for="chat-recipient">{t('chat.recipient')}</label>
          <select
            id="chat-recipient"
            data-testid="chat-recipient"
            value={to}
            onChange={(event) => {
              setTo(event.currentTarget.value);
              setError(null);
            }}
          >
            <option value="">{t('chat.everyone')}</option>
            {participants.map((person) => (
              <option key={person.id} value={person.id}>
                {person.displayName}
              </option>
            ))}
            {!recipientPresent && <option value={to}>{t('chat.someoneWhoLeft')}</option>}
          </select>
        </div>
        <label for="chat-input" class="visually-hidden">
          {t('chat.inputLabel')}
        </label>
        <div class="chat__compose">
          <textarea
            id="chat-input"
            ref={inputRef}
            data-testid="chat-input"
            rows={2}
            value={text}
            readOnly={sending}
            placeholder={to === '' ? t('chat.placeholder') : t('chat.placeholderPrivate')}
            aria-describedby="chat-hint chat-error"
            aria-invalid={error ? true : undefined}
            onInput={(event) => {
              setText(event.currentTarget.value);
              if (error) setError(null);
            }}
            onKeyDown={onKeyDown}
          />
          <button
            type="submit"
            class="button button--primary"
            data-testid="chat-send"
            aria-busy={sending || undefined}
          >
            {t('chat.send')}
          </button>
        </div>
        <p id="chat-error" class="field-error" role="alert" data-testid={error ? 'chat-error' : undefined}>
          {error && t(error.key, error.params)}
        </p>
        <p id="chat-hint" class="hint">
          {t('chat.hint')}
        </p>
      </form>
    </SidePanel>
  );
}

interface ChatMessageViewProps {
  message: LoggedChatMessage;
  own: boolean;
  /** For a private message: the recipient's name. */
  recipientName: string | null;
  /** Deleting is offered on one's own messages, and to moderators on everyone's. */
  onDelete: (() => void) | null;
}

/** One message. The text is a plain text node: markup in it shows as typed and does nothing. */
export function ChatMessageView({ message, own, recipientName, onDelete }: ChatMessageViewProps) {
  const isPrivate = message.to !== null;
  return (
    <li
      class={isPrivate ? 'chat__message chat__message--private' : 'chat__message'}
      data-testid="chat-message"
      data-author={message.fromName}
      data-own={own ? 'true' : 'false'}
      data-private={isPrivate ? 'true' : 'false'}
    >
      <div class="chat__meta">
        <span class="chat__author">
          {own ? t('meeting.you', { name: message.fromName }) : message.fromName}
        </span>
        <time class="chat__time" dateTime={new Date(message.sentAt).toISOString()}>
          {formatClock(message.sentAt)}
        </time>
        {isPrivate && message.encrypted && (
          <span class="tag tag--attention">
            {own ? t('chat.privateTo', { name: recipientName ?? '' }) : t('chat.privateToYou')}
          </span>
        )}
        {/* Without E2EE only the other participants cannot read it: the server relays it. */}
        {isPrivate && !message.encrypted && (
          <span class="tag tag--attention" title={t('chat.directNote')}>
            {own ? t('chat.directTo', { name: recipientName ?? '' }) : t('chat.directToYou')}
          </span>
        )}
        {onDelete && (
          <button
            type="button"
            class="chat__delete button--link"
            data-testid={own ? 'chat-delete' : 'chat-moderate-delete'}
            aria-label={own ? t('chat.deleteOwn') : t('chat.deleteBy', { name: message.fromName })}
            onClick={onDelete}
          >
            {t('chat.delete')}
          </button>
        )}
      </div>
      <p class="chat__text">{message.text}</p>
    </li>
  );
}

function formatClock(epochMs: number): string {
  return new Intl.DateTimeFormat(language(), { hour: '2-digit', minute: '2-digit' }).format(epochMs);
}

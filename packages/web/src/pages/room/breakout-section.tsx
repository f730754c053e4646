import {
  MAX_BREAKOUT_MESSAGE_LENGTH,
  MAX_BREAKOUT_NAME_LENGTH,
  MAX_BREAKOUT_ROOMS,
  type ParticipantInfo,
} from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { Banner } from '../../ui/banner';
import { useActions } from './use-action';

interface BreakoutSectionProps {
  meeting: Meeting;
  moderator: boolean;
  participants: readonly ParticipantInfo[];
}

/**
 * Breakout rooms in the participants panel: for moderators the form (how many rooms), assignment by
 * hand or at random, choice, open with an optional timer, broadcast, visit and close; for everyone
 * the room they are in or chose, and "ask for help" from a breakout room.
 */
export function BreakoutSection({ meeting, moderator, participants }: BreakoutSectionProps) {
  const state = useStore(meeting.breakouts.state);
  const actions = useActions();
  const [formOpen, setFormOpen] = useState(false);
  const [count, setCount] = useState(2);
  /** Optional room names, comma-separated; the rest are "Room n". */
  const [roomNames, setRoomNames] = useState('');
  const [minutes, setMinutes] = useState('');
  const [message, setMessage] = useState('');
  const breakouts = meeting.breakouts;
  const rooms = state.rooms;
  const inBreakout = state.here !== null;

  if (!moderator && rooms === null) return null;
  /** With the form open, the rooms are (re)made with its count before assigning or opening. */
  const names = () =>
    roomNames
      .split(',')
      .map((name) => name.trim().slice(0, MAX_BREAKOUT_NAME_LENGTH))
      .filter((name) => name !== '')
      .slice(0, count);
  const ensureRooms = async () => {
    if (formOpen && (rooms === null || rooms.length !== count)) await breakouts.create(count, names());
  };
  const assignedTo = (id: string) => rooms?.find((room) => room.assigned.includes(id))?.id ?? '';

  return (
    <section class="panel__section breakout" aria-labelledby="breakout-title" data-testid="breakout-section">
      <h3 id="breakout-title" class="panel__subtitle">
        {t('breakout.title')}
      </h3>
      {actions.error && (
        <p class="notice notice--error" role="alert">
          {t(actions.error.key, actions.error.params)}
        </p>
      )}

      {inBreakout && (
        <button
          type="button"
          class="button button--small"
          data-testid="breakout-help"
          aria-busy={actions.pending('help') || undefined}
          onClick={() => void actions.run('help', () => breakouts.askForHelp())}
        >
          {t('breakout.askForHelp')}
        </button>
      )}

      {moderator && !state.open && !inBreakout && (
        <>
          <button
            type="button"
            class="button button--quiet button--small"
            data-testid="breakout-create"
            aria-expanded={formOpen}
            aria-controls="breakout-form"
            onClick={() => setFormOpen((open) => !open)}
          >
            {t(rooms === null ? 'breakout.create' : 'breakout.recreate')}
          </button>
          {formOpen && (
            <form
              id="breakout-form"
              class="breakout__form"
              onSubmit={(event) => {
                event.preventDefault();
                void actions
                  .run('create', () => breakouts.create(count, names()))
                  .then((done) => {
                    if (done) setFormOpen(false);
                  });
              }}
            >
              <label class="field">
                <span class="field__label">{t('breakout.count')}</span>
                <input
                  type="number"
                  class="input"
                  data-testid="breakout-count"
                  min={1}
                  max={MAX_BREAKOUT_ROOMS}
                  required
                  value={count}
                  onInput={(event) => setCount(Number(event.currentTarget.value) || 1)}
                />
              </label>
              <label class="field">
                <span class="field__label">{t('breakout.names')}</span>
                <input
                  type="text"
                  class="input"
                  data-testid="breakout-names"
                  maxLength={MAX_BREAKOUT_ROOMS * (MAX_BREAKOUT_NAME_LENGTH + 2)}
                  value={roomNames}
                  onInput={(event) => setRoomNames(event.currentTarget.value)}
                />
              </label>
              <button type="submit" class="button button--small" data-testid="breakout-create-submit">
                {t('breakout.createSubmit', { count })}
              </button>
            </form>
          )}
        </>
      )}

      {rooms !== null && (
        <ul class="breakout__rooms" aria-label={t('breakout.roomsLabel')}>
          {rooms.map((room) => (
            <li key={room.id} class="breakout__room" data-testid="breakout-room" data-name={room.name}>
              <span class="breakout__room-name">
                {room.name}
                {state.here?.id === room.id && ` ${t('breakout.youAreHere')}`}
                {state.here?.id !== room.id && state.mine === room.id && ` ${t('breakout.yourRoom')}`}
              </span>
              {moderator && state.open && room.present.length > 0 && (
                <span class="breakout__present">{room.present.join(', ')}</span>
              )}
              {moderator && state.open && state.here?.id !== room.id && (
                <button
                  type="button"
                  class="button button--quiet button--small"
                  data-testid="breakout-visit"
                  onClick={() => void actions.run(`visit-${room.id}`, () => breakouts.visit(room.id))}
                >
                  {t('breakout.visit', { name: room.name })}
                </button>
              )}
              {!moderator && state.allowChoice && state.mine !== room.id && (
                <button
                  type="button"
                  class="button button--quiet button--small"
                  data-testid="breakout-choose"
                  onClick={() => void actions.run(`choose-${room.id}`, () => breakouts.choose(room.id))}
                >
                  {t('breakout.choose', { name: room.name })}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}

      {moderator && (rooms !== null || formOpen) && !state.open && !inBreakout && (
        <>
          <button
            type="button"
            class="button button--quiet button--small"
            data-testid="breakout-assign-random"
            onClick={() =>
              void actions.run('random', async () => {
                await ensureRooms();
                await breakouts.assignRandom();
              })
            }
          >
            {t('breakout.assignRandom')}
          </button>
          <label class="checkbox">
            <input
              type="checkbox"
              data-testid="breakout-allow-choice"
              checked={state.allowChoice}
              onChange={(event) => {
                const allowed = event.currentTarget.checked;
                void actions.run('choice', async () => {
                  await ensureRooms();
                  await breakouts.allowChoice(allowed);
                });
              }}
            />
            {t('breakout.allowChoice')}
          </label>
          {rooms !== null && (
            <ul class="people" aria-label={t('breakout.assignLabel')}>
              {participants.map((person) => (
                <li key={person.id} class="breakout__assign">
                  <label class="field">
                    <span class="field__label">{person.displayName}</span>
                    <select
                      class="input"
                      data-testid="breakout-assign"
                      data-name={person.displayName}
                      value={assignedTo(person.id)}
                      onChange={(event) => {
                        const roomId = event.currentTarget.value || null;
                        void actions.run(`assign-${person.id}`, () => breakouts.assign(person.id, roomId));
                      }}
                    >
                      <option value="">{t('breakout.mainRoom')}</option>
                      {rooms.map((room) => (
                        <option key={room.id} value={room.id}>
                          {room.name}
                        </option>
                      ))}
                    </select>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <label class="field">
            <span class="field__label">{t('breakout.minutes')}</span>
            <input
              type="number"
              class="input"
              data-testid="breakout-minutes"
              min={1}
              max={1440}
              value={minutes}
              onInput={(event) => setMinutes(event.currentTarget.value)}
            />
          </label>
          <button
            type="button"
            class="button button--small"
            data-testid="breakout-open"
            aria-busy={actions.pending('open') || undefined}
            onClick={() => {
              const value = Number(minutes);
              const seconds = minutes !== '' && value >= 1 ? Math.round(value * 60) : undefined;
              void actions.run('open', async () => {
                await ensureRooms();
                await breakouts.open(seconds);
                setFormOpen(false);
              });
            }}
          >
            {t('breakout.open')}
          </button>
        </>
      )}

      {moderator && state.open && (
        <>
          {state.endsAt !== null && <Countdown endsAt={state.endsAt} />}
          {inBreakout && (
            <button
              type="button"
              class="button button--quiet button--small"
              data-testid="breakout-return"
              onClick={() => void actions.run('return', () => breakouts.visit(null))}
            >
              {t('breakout.backToMain')}
            </button>
          )}
          <form
            class="breakout__broadcast"
            onSubmit={(event) => {
              event.preventDefault();
              const text = message.trim();
              if (!text) return;
              void actions
                .run('broadcast', () => breakouts.broadcast(text))
                .then((done) => {
                  if (done) setMessage('');
                });
            }}
          >
            <label class="field">
              <span class="field__label">{t('breakout.broadcastLabel')}</span>
              <input
                type="text"
                class="input"
                data-testid="breakout-broadcast-input"
                maxLength={MAX_BREAKOUT_MESSAGE_LENGTH}
                value={message}
                onInput={(event) => setMessage(event.currentTarget.value)}
              />
            </label>
            <p class="field__hint">{t('breakout.broadcastHint')}</p>
            <button type="submit" class="button button--quiet button--small" data-testid="breakout-broadcast">
              {t('breakout.broadcast')}
            </button>
          </form>
          <button
            type="button"
            class="button button--danger button--small"
            data-testid="breakout-close"
            aria-busy={actions.pending('close') || undefined}
            onClick={() => void actions.run('close', () => breakouts.close())}
          >
            {t('breakout.close')}
          </button>
        </>
      )}
    </section>
  );
}

function Countdown({ endsAt }: { endsAt: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.round((endsAt - now) / 1000));
  const text = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  return (
    <p class="breakout__timer" data-testid="breakout-timer">
      {t('breakout.timeLeft', { time: text })}
    </p>
  );
}

/** The breakout room's name in the room header, while one is in a breakout room. */
export function BreakoutName({ meeting }: { meeting: Meeting }) {
  const { here } = useStore(meeting.breakouts.state);
  if (!here) return null;
  return (
    <span class="meeting__breakout" data-testid="breakout-name">
      {t('breakout.inRoom', { name: here.name })}
    </span>
  );
}

/** Broadcasts from the moderators, the closing warning and (moderators) help requests. */
export function BreakoutBanners({ meeting }: { meeting: Meeting }) {
  const state = useStore(meeting.breakouts.state);
  const breakouts = meeting.breakouts;
  return (
    <>
      {state.messages.map((message) => (
        <Banner
          key={message.id}
          testId="breakout-message"
          actions={
            <button
              type="button"
              class="button button--quiet"
              onClick={() => breakouts.dismissMessage(message.id)}
            >
              {t('meeting.dismiss')}
            </button>
          }
        >
          {t('breakout.messageFrom', { name: message.from, text: message.text })}
        </Banner>
      ))}
      {state.help.map((help) => (
        <Banner
          key={help.id}
          testId="breakout-help-request"
          actions={
            <>
              <button
                type="button"
                class="button button--quiet"
                onClick={() => {
                  breakouts.dismissHelp(help.id);
                  void breakouts.visit(help.roomId).catch(() => undefined);
                }}
              >
                {t('breakout.visit', { name: help.roomName })}
              </button>
              <button
                type="button"
                class="button button--quiet"
                onClick={() => breakouts.dismissHelp(help.id)}
              >
                {t('meeting.dismiss')}
              </button>
            </>
          }
        >
          {t('breakout.helpAnnounce', { name: help.from, room: help.roomName })}
        </Banner>
      ))}
    </>
  );
}

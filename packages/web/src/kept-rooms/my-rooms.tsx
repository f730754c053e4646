import { type KeptRoom, MAX_KEPT_ROOM_MODERATORS } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure } from '../account/api';
import { language, t } from '../i18n';
import { proposeRoomName } from '../rooms/room-name';
import { roomPath } from '../routing/routes';
import {
  createKeptRoom,
  deleteKeptRoom,
  invitationPath,
  listKeptRooms,
  scheduleKeptRoom,
  updateKeptRoom,
} from './api';
import { formatStart, scheduleFromLocal } from './schedule-text';

function messageOf(error: unknown): string {
  if (error instanceof ApiFailure && error.message) return error.message;
  if (error instanceof ApiFailure && error.code === 'unreachable') return t('error.unreachable');
  return t('error.unexpected');
}

/**
 * "My rooms" (issue 17.4/17.5): the signed-in user's kept rooms — name, default password, lobby,
 * end-to-end encryption from the start, moderators — with a link to open each, and a scheduled
 * meeting whose invitation they download as .ics or copy as text. Parley sends nothing itself.
 */
export function MyRooms() {
  const [rooms, setRooms] = useState<KeptRoom[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<KeptRoom | 'new' | null>(null);

  const reload = async () => {
    try {
      setRooms(await listKeptRooms());
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  useEffect(() => {
    void reload();
  }, []);

  const replace = (room: KeptRoom) =>
    setRooms((list) => (list ?? []).map((each) => (each.id === room.id ? room : each)));

  return (
    <section class="card kept-rooms" aria-labelledby="kept-rooms-title" data-testid="kept-rooms">
      <h2 id="kept-rooms-title">{t('keptRooms.title')}</h2>
      <p class="hint">{t('keptRooms.intro')}</p>
      {error && (
        <p class="notice notice--error" role="alert" data-testid="kept-room-error">
          {error}
        </p>
      )}
      {rooms === null && !error && <p role="status">{t('app.loading')}</p>}
      {rooms && rooms.length === 0 && <p>{t('keptRooms.none')}</p>}
      {rooms && rooms.length > 0 && (
        <ul class="kept-rooms__list">
          {rooms.map((room) => (
            <KeptRoomRow
              key={room.id}
              room={room}
              onEdit={() => setEditing(room)}
              onDeleted={() => setRooms((list) => (list ?? []).filter((each) => each.id !== room.id))}
              onChanged={replace}
            />
          ))}
        </ul>
      )}
      {editing === null ? (
        <button
          type="button"
          class="button button--secondary"
          data-testid="kept-room-new"
          onClick={() => setEditing('new')}
        >
          {t('keptRooms.new')}
        </button>
      ) : (
        <KeptRoomForm
          room={editing === 'new' ? null : editing}
          onDone={(saved) => {
            setEditing(null);
            if (saved) void reload();
          }}
        />
      )}
    </section>
  );
}

function KeptRoomRow({
  room,
  onEdit,
  onDeleted,
  onChanged,
}: {
  room: KeptRoom;
  onEdit: () => void;
  onDeleted: () => void;
  onChanged: (room: KeptRoom) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    if (!window.confirm(t('keptRooms.confirmDelete', { room: room.name }))) return;
    try {
      await deleteKeptRoom(room.id);
      onDeleted();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  const settings = [
    room.passwordSet ? t('keptRooms.summary.password') : null,
    room.lobby ? t('keptRooms.summary.lobby') : null,
    room.e2ee ? t('keptRooms.summary.e2ee') : null,
    room.moderators.length > 0
      ? t('keptRooms.summary.moderators', { names: room.moderators.join(', ') })
      : null,
  ].filter((each) => each !== null);
  return (
    <li class="kept-room" data-testid="kept-room" data-name={room.name}>
      <div class="kept-room__head">
        <strong>{room.name}</strong>
        <span class="hint">{settings.length > 0 ? settings.join(' · ') : t('keptRooms.summary.none')}</span>
      </div>
      <div class="kept-room__actions">
        <a href={roomPath(room.name)} class="button button--primary" data-testid="kept-room-open">
          {t('keptRooms.open')}
        </a>
        <button type="button" class="button button--quiet" data-testid="kept-room-edit" onClick={onEdit}>
          {t('keptRooms.edit')}
        </button>
        <button type="button" class="button button--quiet" data-testid="kept-room-delete" onClick={remove}>
          {t('keptRooms.delete')}
        </button>
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <ScheduleForm room={room} onChanged={onChanged} />
    </li>
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function ScheduleForm({ room, onChanged }: { room: KeptRoom; onChanged: (room: KeptRoom) => void }) {
  const initial = room.schedule ? new Date(room.schedule.start) : null;
  const [date, setDate] = useState(
    initial ? `${initial.getFullYear()}-${pad(initial.getMonth() + 1)}-${pad(initial.getDate())}` : '',
  );
  const [time, setTime] = useState(initial ? `${pad(initial.getHours())}:${pad(initial.getMinutes())}` : '');
  const [minutes, setMinutes] = useState(String(room.schedule?.minutes ?? 60));
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const id = room.id;
  const link = `${location.origin}${roomPath(room.name)}`;
  const save = async (event: Event) => {
    event.preventDefault();
    const schedule = scheduleFromLocal(date, time, Number(minutes));
    if (!schedule || !Number.isInteger(Number(minutes))) {
      setError(t('keptRooms.schedule.invalid'));
      return;
    }
    try {
      setError(null);
      onChanged(await scheduleKeptRoom(id, schedule));
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  const text = room.schedule
    ? t('keptRooms.schedule.text', {
        room: room.name,
        start: formatStart(room.schedule, language()),
        minutes: room.schedule.minutes,
        link,
      })
    : '';
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setError(t('keptRooms.schedule.copyFailed'));
    }
  };
  return (
    <details class="kept-room__schedule">
      <summary data-testid="kept-room-schedule-toggle">{t('keptRooms.schedule.title')}</summary>
      <form onSubmit={save} noValidate class="kept-room__schedule-form">
        <label for={`kept-date-${id}`}>{t('keptRooms.schedule.date')}</label>
        <input
          id={`kept-date-${id}`}
          type="date"
          data-testid="kept-room-date"
          value={date}
          required
          onInput={(event) => setDate(event.currentTarget.value)}
        />
        <label for={`kept-time-${id}`}>{t('keptRooms.schedule.time')}</label>
        <input
          id={`kept-time-${id}`}
          type="time"
          data-testid="kept-room-time"
          value={time}
          required
          onInput={(event) => setTime(event.currentTarget.value)}
        />
        <label for={`kept-minutes-${id}`}>{t('keptRooms.schedule.minutes')}</label>
        <input
          id={`kept-minutes-${id}`}
          type="number"
          min={5}
          max={1440}
          step={5}
          data-testid="kept-room-duration"
          value={minutes}
          required
          onInput={(event) => setMinutes(event.currentTarget.value)}
        />
        <button type="submit" class="button button--secondary" data-testid="kept-room-schedule-save">
          {t('keptRooms.schedule.save')}
        </button>
      </form>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {room.schedule && (
        <div class="kept-room__invitation">
          <p data-testid="kept-room-start" data-start={room.schedule.start}>
            {t('keptRooms.schedule.next', { start: formatStart(room.schedule, language()) })}
          </p>
          <a
            class="button button--secondary"
            href={invitationPath(id, language())}
            download={`${room.name}.ics`}
            data-testid="kept-room-ics"
          >
            {t('keptRooms.schedule.download')}
          </a>
          <label for={`kept-text-${id}`}>{t('keptRooms.schedule.textLabel')}</label>
          <textarea
            id={`kept-text-${id}`}
            readOnly
            rows={4}
            data-testid="kept-room-invitation-text"
            value={text}
          />
          <button type="button" class="button button--quiet" data-testid="kept-room-copy" onClick={copy}>
            {copied ? t('keptRooms.schedule.copied') : t('keptRooms.schedule.copy')}
          </button>
          <p class="hint">{t('keptRooms.schedule.noMail')}</p>
        </div>
      )}
    </details>
  );
}

function KeptRoomForm({ room, onDone }: { room: KeptRoom | null; onDone: (saved: boolean) => void }) {
  const [name, setName] = useState(room?.name ?? proposeRoomName());
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [lobby, setLobby] = useState(room?.lobby ?? false);
  const [e2ee, setE2ee] = useState(room?.e2ee ?? false);
  const [moderators, setModerators] = useState(room?.moderators.join(', ') ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const names = moderators
      .split(/[\s,;]+/)
      .map((each) => each.trim().toLowerCase())
      .filter((each) => each !== '');
    if (names.length > MAX_KEPT_ROOM_MODERATORS) {
      setError(t('keptRooms.form.tooManyModerators', { max: MAX_KEPT_ROOM_MODERATORS }));
      return;
    }
    const input = {
      name: name.trim(),
      lobby,
      e2ee,
      moderators: names,
      ...(password !== '' ? { password } : removePassword ? { password: null } : {}),
    };
    setBusy(true);
    try {
      if (room) await updateKeptRoom(room.id, input);
      else await createKeptRoom(input);
      onDone(true);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="kept-room-form" onSubmit={submit} noValidate aria-labelledby="kept-room-form-title">
      <h3 id="kept-room-form-title">{room ? t('keptRooms.form.editTitle') : t('keptRooms.form.newTitle')}</h3>
      <label for="kept-room-name">{t('keptRooms.form.name')}</label>
      <input
        id="kept-room-name"
        data-testid="kept-room-name"
        value={name}
        maxLength={64}
        autocomplete="off"
        spellcheck={false}
        onInput={(event) => setName(event.currentTarget.value)}
      />
      <label for="kept-room-password">
        {room?.passwordSet ? t('keptRooms.form.newPassword') : t('keptRooms.form.password')}
      </label>
      <input
        id="kept-room-password"
        data-testid="kept-room-password"
        type="password"
        autocomplete="new-password"
        maxLength={256}
        value={password}
        onInput={(event) => setPassword(event.currentTarget.value)}
      />
      {room?.passwordSet && (
        <label class="checkbox">
          <input
            type="checkbox"
            checked={removePassword}
            onChange={(event) => setRemovePassword(event.currentTarget.checked)}
          />
          {t('keptRooms.form.removePassword')}
        </label>
      )}
      <label class="checkbox">
        <input
          type="checkbox"
          data-testid="kept-room-lobby"
          checked={lobby}
          onChange={(event) => setLobby(event.currentTarget.checked)}
        />
        {t('keptRooms.form.lobby')}
      </label>
      <label class="checkbox">
        <input
          type="checkbox"
          data-testid="kept-room-e2ee"
          checked={e2ee}
          onChange={(event) => setE2ee(event.currentTarget.checked)}
        />
        {t('keptRooms.form.e2ee')}
      </label>
      <label for="kept-room-moderators">{t('keptRooms.form.moderators')}</label>
      <input
        id="kept-room-moderators"
        data-testid="kept-room-moderators"
        value={moderators}
        autocomplete="off"
        spellcheck={false}
        aria-describedby="kept-room-moderators-hint"
        onInput={(event) => setModerators(event.currentTarget.value)}
      />
      <p id="kept-room-moderators-hint" class="hint">
        {t('keptRooms.form.moderatorsHint')}
      </p>
      {error && (
        <p class="field-error" role="alert" data-testid="kept-room-error">
          {error}
        </p>
      )}
      <div class="kept-room__actions">
        <button type="submit" class="button button--primary" data-testid="kept-room-save" disabled={busy}>
          {t('keptRooms.form.save')}
        </button>
        <button type="button" class="button button--quiet" onClick={() => onDone(false)}>
          {t('keptRooms.form.cancel')}
        </button>
      </div>
    </form>
  );
}

import { useState } from 'preact/hooks';
import { logout } from '../account/api';
import { refreshSession, session } from '../account/session';
import { t } from '../i18n';
import { MyRooms } from '../kept-rooms/my-rooms';
import { isValidRoomName, proposeRoomName, roomNameFromInput } from '../rooms/room-name';
import { Link, navigate } from '../routing/navigation';
import { roomPath } from '../routing/routes';
import { useStore } from '../state/store';
import { PageShell } from '../ui/page-shell';

export function HomePage() {
  const state = useStore(session);
  const info = state.status === 'ready' ? state.info : null;
  return (
    <PageShell title={null}>
      <h1 class="page-title">{t('home.title')}</h1>
      <p class="lead">{t('app.tagline')}</p>
      {state.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {state.status === 'unreachable' && (
        <p class="notice notice--error" role="alert">
          {t('error.unreachable')}
        </p>
      )}
      {info?.setupNeeded && (
        <p class="notice">
          {t('home.setup.text')} <Link href="/setup">{t('home.setup.link')}</Link>
        </p>
      )}
      <div class="cards">
        {info?.user && <StartMeeting username={info.user.username} isAdmin={info.user.role === 'admin'} />}
        <JoinMeeting />
        {info?.user && <MyRooms />}
        {info && !info.user && !info.setupNeeded && (
          <section class="card" aria-labelledby="sign-in-title">
            <h2 id="sign-in-title">{t('home.signIn.link')}</h2>
            <p>{t('home.signIn.text')}</p>
            <Link href="/login" class="button button--secondary">
              {t('home.signIn.link')}
            </Link>
          </section>
        )}
      </div>
    </PageShell>
  );
}

function StartMeeting({ username, isAdmin }: { username: string; isAdmin: boolean }) {
  const [name, setName] = useState(() => proposeRoomName());
  const [invalid, setInvalid] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const room = name.trim();
    if (!isValidRoomName(room)) {
      setInvalid(true);
      return;
    }
    navigate(roomPath(room));
  };
  const signOut = async () => {
    try {
      await logout();
    } finally {
      await refreshSession();
    }
  };
  return (
    <section class="card card--primary" aria-labelledby="start-title">
      <h2 id="start-title">{t('home.start.title')}</h2>
      <form onSubmit={submit} noValidate>
        <label for="start-room">{t('home.start.nameLabel')}</label>
        <div class="field-row">
          <input
            id="start-room"
            data-testid="start-room-name"
            value={name}
            onInput={(event) => {
              setName(event.currentTarget.value);
              setInvalid(false);
            }}
            autocomplete="off"
            spellcheck={false}
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? 'start-room-error' : 'start-room-hint'}
          />
          <button
            type="button"
            class="button button--quiet"
            onClick={() => {
              setName(proposeRoomName());
              setInvalid(false);
            }}
          >
            {t('home.start.newName')}
          </button>
        </div>
        {invalid ? (
          <p id="start-room-error" class="field-error" role="alert">
            {t('joinError.invalidRoomName')}
          </p>
        ) : (
          <p id="start-room-hint" class="hint">
            {t('home.start.hint')}
          </p>
        )}
        <button type="submit" class="button button--primary" data-testid="start-meeting">
          {t('home.start.submit')}
        </button>
      </form>
      <div class="account-line">
        <span>{t('home.signedInAs', { username })}</span>
        {isAdmin && <Link href="/admin">{t('home.adminLink')}</Link>}
        <button type="button" class="button button--quiet" data-testid="logout" onClick={signOut}>
          {t('home.logout')}
        </button>
      </div>
    </section>
  );
}

function JoinMeeting() {
  const [input, setInput] = useState('');
  const [invalid, setInvalid] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    const room = roomNameFromInput(input);
    if (!room) {
      setInvalid(true);
      return;
    }
    navigate(roomPath(room));
  };
  return (
    <section class="card" aria-labelledby="join-title">
      <h2 id="join-title">{t('home.join.title')}</h2>
      <form onSubmit={submit} noValidate>
        <label for="join-room">{t('home.join.label')}</label>
        <input
          id="join-room"
          data-testid="join-room-input"
          value={input}
          onInput={(event) => {
            setInput(event.currentTarget.value);
            setInvalid(false);
          }}
          autocomplete="off"
          spellcheck={false}
          aria-invalid={invalid || undefined}
          aria-describedby={invalid ? 'join-room-error' : undefined}
        />
        {invalid && (
          <p id="join-room-error" class="field-error" role="alert">
            {t('home.join.invalid')}
          </p>
        )}
        <button type="submit" class="button button--secondary" data-testid="join-room-submit">
          {t('home.join.submit')}
        </button>
      </form>
    </section>
  );
}

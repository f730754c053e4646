import { useEffect, useState } from 'preact/hooks';
import { session } from '../../account/session';
import { clientKey } from '../../conference/client-key';
import { LocalMedia } from '../../conference/local-media';
import { lowData } from '../../conference/low-data';
import { Meeting, type MeetingState } from '../../conference/meeting';
import { prewarmE2eeWorker } from '../../e2ee/e2ee-session';
import { isValidRoomName } from '../../rooms/room-name';
import { loginPath, roomPath } from '../../routing/routes';
import { Store, useStore } from '../../state/store';
import { joinFailureMessage } from './join-messages';
import { LeftScreen } from './left';
import { MeetingView } from './meeting-view';
import { Prejoin } from './prejoin';

const DISPLAY_NAME_KEY = 'parley.displayName';
const NO_MEETING = new Store<MeetingState | null>(null);

/** The display name used last on this device (never sent anywhere but the meetings joined). */
function rememberedDisplayName(): string {
  try {
    return localStorage.getItem(DISPLAY_NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

function rememberDisplayName(name: string): void {
  try {
    localStorage.setItem(DISPLAY_NAME_KEY, name);
  } catch {
    // Storage may be disabled; the name is then simply not remembered.
  }
}

/**
 * /room/<name>: the pre-join screen, then the meeting, then the screen after leaving. Owns the local
 * devices (they carry over from the preview into the meeting) and the current Meeting.
 * `invitation`: the token of the invitation link this page was opened with.
 */
export function RoomPage({
  roomName,
  invitation: linkInvitation,
}: {
  roomName: string;
  invitation?: string;
}) {
  const account = useStore(session);
  // "Send video" off (low-data mode, remembered on the device): the camera starts off.
  const [local, setLocal] = useState(() => new LocalMedia({ mic: true, camera: lowData.get().sendVideo }));
  const [meeting, setMeeting] = useState<Meeting | null>(null);
  const [displayName, setDisplayName] = useState(rememberedDisplayName);
  /** Dropped once the server refused it, so the next attempt goes through password and lobby instead. */
  const [invitation, setInvitation] = useState(linkInvitation);
  const [passwordNeeded, setPasswordNeeded] = useState(false);
  const [password, setPassword] = useState('');
  const meetingState = useStore<MeetingState | null>(meeting?.state ?? NO_MEETING);

  // Signed-in users start with their username unless this device remembers another name.
  const username = account.status === 'ready' ? account.info.user?.username : undefined;
  /** The name field takes typing from the render that already shows the username, not before. */
  const [nameSettled, setNameSettled] = useState(false);
  useEffect(() => {
    if (account.status === 'loading') return;
    if (username) setDisplayName((current) => (current === '' ? username : current));
    setNameSettled(true);
  }, [account.status, username]);

  useEffect(() => () => local.stop(), [local]);
  // The frame-transform worker loads while the person is on the pre-join screen.
  useEffect(() => prewarmE2eeWorker(), []);
  useEffect(() => () => meeting?.leave(), [meeting]);

  const join = (name: string) => {
    rememberDisplayName(name);
    const next = new Meeting(roomName, name, local, {
      clientKey: clientKey(),
      ...(invitation !== undefined && { invitation }),
      ...(passwordNeeded && { password }),
    });
    setMeeting(next);
    void next.join().then(() => {
      const reason = next.state.get().failure?.reason;
      if (reason === 'password-required' || reason === 'wrong-password') setPasswordNeeded(true);
      if (reason === 'invalid-invitation') {
        setInvitation(undefined);
        // A reload should not bring the dead link back.
        history.replaceState(null, '', roomPath(roomName));
      }
    });
  };

  /** Back to the pre-join screen with fresh devices. */
  const startOver = () => {
    meeting?.leave();
    setMeeting(null);
    setLocal(new LocalMedia({ mic: local.mic.on, camera: local.camera.on }));
  };

  const phase = meetingState?.phase;
  if (meeting && meetingState && (phase === 'left' || phase === 'ended')) {
    return (
      <LeftScreen
        reason={phase === 'left' ? 'left' : (meetingState.endReason ?? 'ended')}
        endedBySelf={meetingState.endedBySelf}
        onRejoin={startOver}
      />
    );
  }
  if (meeting && phase === 'joined') return <MeetingView meeting={meeting} onRejoin={startOver} />;

  const failure = meetingState?.failure;
  const error = !isValidRoomName(roomName)
    ? { key: 'joinError.invalidRoomName' as const }
    : // Asking for the password is not an error: the field and its hint say what to do.
      phase === 'failed' && failure && failure.reason !== 'password-required'
      ? joinFailureMessage(failure.reason, failure.message, failure.retryAfterSeconds)
      : null;
  return (
    <Prejoin
      roomName={roomName}
      local={local}
      displayName={displayName}
      onDisplayNameChange={setDisplayName}
      displayNamePending={!nameSettled}
      status={
        phase === 'connecting'
          ? 'joining'
          : phase === 'waiting-for-host' || phase === 'lobby'
            ? phase
            : 'idle'
      }
      error={error}
      passwordNeeded={passwordNeeded}
      password={password}
      onPasswordChange={setPassword}
      withInvitation={invitation !== undefined}
      onJoin={(name) => {
        if (isValidRoomName(roomName)) join(name);
      }}
      signInPath={account.status === 'ready' && !account.info.user ? loginPath(roomPath(roomName)) : null}
      onCancel={() => {
        meeting?.abort();
        setMeeting(null);
      }}
    />
  );
}

import { useEffect, useState } from 'preact/hooks';
import { session } from '../../account/session';
import { LocalMedia } from '../../conference/local-media';
import { Meeting, type MeetingState } from '../../conference/meeting';
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
 */
export function RoomPage({ roomName }: { roomName: string }) {
  const account = useStore(session);
  const [local, setLocal] = useState(() => new LocalMedia({ mic: true, camera: true }));
  const [meeting, setMeeting] = useState<Meeting | null>(null);
  const [displayName, setDisplayName] = useState(rememberedDisplayName);
  const meetingState = useStore<MeetingState | null>(meeting?.state ?? NO_MEETING);

  // Signed-in users start with their username unless this device remembers another name.
  const username = account.status === 'ready' ? account.info.user?.username : undefined;
  useEffect(() => {
    if (username && displayName === '') setDisplayName(username);
  }, [username]);

  useEffect(() => () => local.stop(), [local]);
  useEffect(() => () => meeting?.leave(), [meeting]);

  const join = (name: string) => {
    rememberDisplayName(name);
    const next = new Meeting(roomName, name, local);
    setMeeting(next);
    void next.join();
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
        onRejoin={startOver}
      />
    );
  }
  if (meeting && phase === 'joined') return <MeetingView meeting={meeting} onRejoin={startOver} />;

  const failure = meetingState?.failure;
  const error = !isValidRoomName(roomName)
    ? { key: 'joinError.invalidRoomName' as const }
    : phase === 'failed' && failure
      ? joinFailureMessage(failure.reason, failure.message)
      : null;
  return (
    <Prejoin
      roomName={roomName}
      local={local}
      displayName={displayName}
      onDisplayNameChange={setDisplayName}
      status={phase === 'connecting' ? 'joining' : phase === 'waiting-for-host' ? 'waiting-for-host' : 'idle'}
      error={error}
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

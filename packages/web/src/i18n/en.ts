import type { Message } from './translate';

/**
 * The English catalogue: every string the app shows. Other languages provide the same keys
 * (`Catalogue`), so a missing translation is a type error.
 */
export const en = {
  'app.name': 'Parley',
  'app.tagline': 'Private video meetings, hosted by you.',
  'app.pageTitle': '{page} – Parley',
  'app.loading': 'Loading…',
  'app.skipToContent': 'Skip to content',
  'app.privacyLink': 'Privacy',
  'app.homeLink': 'Home',

  'error.unreachable': 'Cannot reach the Parley server. Check your connection and try again.',
  'error.unexpected': 'Something went wrong on the server. Please try again.',

  'home.title': 'Video meetings',
  'home.signedInAs': 'Signed in as {username}',
  'home.logout': 'Sign out',
  'home.start.title': 'Start a meeting',
  'home.start.nameLabel': 'Room name',
  'home.start.hint': 'A random name is hard to guess. Share the link only with the people you invite.',
  'home.start.newName': 'Suggest another name',
  'home.start.submit': 'Start meeting',
  'home.join.title': 'Join a meeting',
  'home.join.label': 'Room name or link',
  'home.join.submit': 'Join',
  'home.join.invalid':
    'This is not a room name or a meeting link. A room name uses only letters, digits, "-" and "_".',
  'home.signIn.text': 'Only signed-in members can start a meeting. Anyone with the link can join one.',
  'home.signIn.link': 'Sign in',
  'home.setup.text': 'This Parley server has no accounts yet.',
  'home.setup.link': 'Create the first administrator',

  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.failed': 'Wrong username or password.',

  'setup.title': 'Create the first administrator',
  'setup.intro': 'This account can manage the server and start meetings. You can add more accounts later.',
  'setup.username': 'Username',
  'setup.usernameHint': 'Lowercase letters, digits, ".", "_" and "-"; up to 32 characters.',
  'setup.password': 'Password',
  'setup.passwordHint': 'At least {min} characters.',
  'setup.repeat': 'Repeat password',
  'setup.submit': 'Create administrator',
  'setup.busy': 'Creating…',
  'setup.invalidUsername': 'A username has 1 to 32 characters: lowercase letters, digits, ".", "_" and "-".',
  'setup.shortPassword': 'The password needs at least {min} characters.',
  'setup.mismatch': 'The two passwords differ.',
  'setup.done': 'This server is already set up.',

  'privacy.title': 'Privacy',
  'privacy.intro':
    'Parley keeps only what it needs, for as short as it can. Meetings, participants and chat live in memory only and vanish when a meeting ends.',
  'privacy.inventoryTitle': 'What this server keeps',
  'privacy.unavailable': 'The data inventory is not available right now.',
  'privacy.json': 'The same inventory as JSON',

  'notFound.title': 'Page not found',
  'notFound.text': 'There is nothing at this address.',

  'prejoin.title': 'Join {room}',
  'prejoin.displayName': 'Your name',
  'prejoin.displayNameHint': 'Shown to the others in the meeting. Remembered on this device only.',
  'prejoin.join': 'Join meeting',
  'prejoin.joining': 'Joining…',
  'prejoin.cancel': 'Cancel',
  'prejoin.preview': 'Camera preview',
  'prejoin.cameraOff': 'Camera is off',
  'prejoin.cameraStarting': 'Starting camera…',
  'prejoin.waitingForHost': 'Waiting for the host to start this meeting…',
  'prejoin.waitingForHostHint': 'You will join automatically as soon as the host arrives.',
  'prejoin.hostSignIn': 'Are you the host? Sign in to open the meeting.',

  'media.micDenied':
    'Microphone access was denied. You can join without it, or allow it in your browser settings.',
  'media.micMissing': 'No microphone was found. You can join without it.',
  'media.micFailed': 'The microphone could not be started. You can join without it.',
  'media.cameraDenied':
    'Camera access was denied. You can join without it, or allow it in your browser settings.',
  'media.cameraMissing': 'No camera was found. You can join without it.',
  'media.cameraFailed': 'The camera could not be started. You can join without it.',
  'media.screenFailed': 'Screen sharing could not be started.',
  'media.unsupported':
    'This browser cannot use a camera or microphone on this page (a secure https address is needed).',

  'joinError.invalidRoomName':
    'This room name is not valid. A room name uses only letters, digits, "-" and "_", 1 to 64 characters.',
  'joinError.invalidDisplayName': 'Please enter a display name of 1 to {max} characters.',
  'joinError.unsupportedVersion': 'This page is out of date. Please reload it.',
  'joinError.rateLimited': 'Too many attempts. Please wait a moment and try again.',
  'joinError.roomClosed': 'This meeting has been closed.',
  'joinError.alreadyJoined': 'You are already in this meeting.',
  'joinError.other': 'Joining failed: {message}',

  'meeting.title': 'Meeting {room}',
  'meeting.participantCount': { one: '{count} participant', other: '{count} participants' },
  'meeting.you': '{name} (you)',
  'meeting.screenOf': 'Screen of {name}',
  'meeting.yourScreen': 'Your screen',
  'meeting.micMuted': 'Microphone off',
  'meeting.cameraOff': 'Camera off',
  'meeting.joinedAnnouncement': '{name} joined the meeting',
  'meeting.leftAnnouncement': '{name} left the meeting',
  'meeting.connectionLost': 'The connection to the server was lost.',
  'meeting.mediaLost': 'The audio and video connection was lost.',
  'meeting.rejoin': 'Rejoin',
  'meeting.dismiss': 'Dismiss',

  'toolbar.label': 'Meeting controls',
  'toolbar.mic': 'Microphone',
  'toolbar.camera': 'Camera',
  'toolbar.screen': 'Share screen',
  'toolbar.leave': 'Leave',

  'left.title': 'You left the meeting',
  'left.ended': 'The meeting has ended',
  'left.serverShutdown': 'The server is restarting. Please join again in a moment.',
  'left.rejoin': 'Rejoin',
  'left.home': 'Back to the start page',
} as const satisfies Record<string, Message>;

export type MessageKey = keyof typeof en;
export type Catalogue = { readonly [K in MessageKey]: Message };

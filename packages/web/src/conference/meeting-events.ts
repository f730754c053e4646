import type { EventOf, ParticipantInfo } from '@parley/protocol';
import { t } from '../i18n';
import { withBandwidthPause } from './bandwidth-pause';
import type { MeetingFeatures } from './meeting-features';
import type { MeetingMedia } from './meeting-media';
import type { EndReason, JoinFailure, MeetingScreen } from './meeting-state';
import { mayReconnectAfter } from './reconnection';
import type { SignalingClient } from './signaling';

/** What the server's events act on: the meeting's parts, and what only the meeting itself decides. */
export interface ServerEventHost {
  features: MeetingFeatures;
  screen: MeetingScreen;
  media: MeetingMedia;
  /** Is this the connection we use now? (A replaced socket says nothing more.) */
  isCurrent(signaling: SignalingClient): boolean;
  joined(event: EventOf<'joined'>): void;
  fail(reason: JoinFailure, message: string): void;
  close(reason: EndReason): void;
  hasResumeToken(): boolean;
  setResumeToken(token: string): void;
  restartMedia(signaling: SignalingClient): void;
  move(signaling: SignalingClient, event: EventOf<'breakout-move'>): void;
  reconnect(): void;
}

/**
 * Routes every server event on `signaling` to the part of the meeting it concerns: the roster and
 * lobby on screen, the media, each feature; the meeting's own turns (joined, closed, moved) to it.
 */
export function listenToServer(signaling: SignalingClient, host: ServerEventHost): void {
  const { features, screen } = host;
  features.e2ee.listen(signaling);
  signaling.on('joined', (event) => {
    // Back in after a dropped connection: a recording we made ended with our old connection; what
    // runs now comes with the next event.
    features.recording.rejoined();
    host.joined(event);
  });
  signaling.on('participant-joined', ({ participant }) => {
    if (participant.id === screen.current.self?.id) return;
    const others = screen.current.participants.filter((p) => p.id !== participant.id);
    screen.patch({ participants: [...others, participant] });
    screen.notify('meeting.joinedAnnouncement', { name: participant.displayName }, true);
    if (!features.e2ee.chatEncrypted) features.polls.announce();
  });
  signaling.on('participant-updated', ({ participant }) => {
    const self = screen.current.self;
    if (participant.id === self?.id) {
      selfUpdated(screen, self, participant);
      return;
    }
    screen.patch({
      participants: screen.current.participants.map((p) => (p.id === participant.id ? participant : p)),
    });
  });
  signaling.on('participant-left', ({ participantId }) => {
    const leaving = screen.current.participants.find((p) => p.id === participantId);
    if (!leaving) return;
    const remoteTracks = new Map(screen.current.remoteTracks);
    remoteTracks.delete(participantId);
    const pausedVideo = new Map(screen.current.pausedVideo);
    pausedVideo.delete(participantId);
    screen.patch({
      participants: screen.current.participants.filter((p) => p.id !== participantId),
      remoteTracks,
      pausedVideo,
    });
    screen.notify('meeting.leftAnnouncement', { name: leaving.displayName }, true);
    features.life.forget(participantId);
    features.polls.left(participantId);
    features.recording.forget(participantId);
    features.videoSizes.forget(participantId);
  });
  signaling.on('subscriber-offer', (event) => {
    host.media.handleOffer(event);
  });
  signaling.on('simulcast-layers', (event) => host.media.setActiveLayers(event));
  signaling.on('video-bandwidth-pause', (event) => {
    screen.patch({ pausedVideo: withBandwidthPause(screen.current.pausedVideo, event) });
  });
  signaling.on('room-closed', ({ reason }) => {
    if (screen.phase() === 'lobby') host.fail('ended-while-waiting', '');
    // The server is going down (restart, or its node drains): the socket closes next, and we come
    // back on our own (to it once restarted, or to the node that takes the meeting over).
    else if (reason === 'server-shutdown' && screen.phase() === 'joined' && host.hasResumeToken()) return;
    else host.close(reason);
  });
  signaling.on('removed', () => host.close('removed'));
  signaling.on('join-denied', ({ reason }) => {
    host.fail(reason === 'ended' ? 'ended-while-waiting' : reason, '');
  });
  signaling.on('settings-updated', ({ settings }) => screen.patch({ settings }));
  signaling.on('lobby-updated', ({ entries }) => screen.lobbyIs(entries));
  // The server sends only what changed; the whole queue came with lobby-updated.
  signaling.on('lobby-changed', ({ added, removed }) => {
    const gone = new Set(removed);
    const kept = screen.current.lobby.filter((entry) => !gone.has(entry.id));
    const known = new Set(kept.map((entry) => entry.id));
    screen.lobbyIs([...kept, ...added.filter((entry) => !known.has(entry.id))]);
  });
  signaling.on('muted-by-moderator', ({ hard }) => mutedByModerator(host, hard));
  signaling.on('unmute-allowed', () => {
    const self = screen.current.self;
    if (self) screen.patch({ self: { ...self, hardMuted: false, unmuteRequested: false } });
    screen.notify('moderation.unmuteAllowed', undefined, true);
  });
  signaling.on('chat-message', (event) => features.chat.handle(event));
  signaling.on('chat-deleted', (event) => features.chat.handle(event));
  signaling.on('chat-cleared', (event) => features.chat.handle(event));
  // Without E2EE only: in an encrypted meeting the server's word on a poll's sender counts for nothing.
  signaling.on('poll-message', (event) => {
    if (!features.e2ee.chatEncrypted) features.polls.receive(event.from, event.message, 'server');
  });
  signaling.on('hands-updated', (event) => features.life.handsUpdated(event));
  signaling.on('reaction', (event) => features.life.reacted(event));
  signaling.on('active-speakers', (event) => features.life.activeSpeakers(event));
  signaling.on('recording-state', (event) => features.recording.stateUpdated(event));
  signaling.on('recording-consent-requested', (event) => features.recording.consentRequested(event));
  signaling.on('resume-token', ({ token }) => {
    host.setResumeToken(token);
  });
  signaling.on('media-restart', () => host.restartMedia(signaling));
  signaling.on('breakout-state', (event) => features.breakouts.handle(event));
  signaling.on('breakout-message', (event) => {
    features.breakouts.handle(event);
    screen.announce(t('breakout.messageAnnounce', { name: event.from, text: event.text }));
  });
  signaling.on('breakout-warning', (event) => {
    features.breakouts.handle(event);
    screen.notify('breakout.warning', { seconds: event.secondsLeft }, true);
  });
  signaling.on('breakout-help', (event) => {
    features.breakouts.handle(event);
    screen.notify('breakout.helpAnnounce', { name: event.from, room: event.roomName }, true);
  });
  signaling.on('breakout-move', (event) => host.move(signaling, event));
  signaling.onClose(({ code }) => {
    // A socket we already replaced (or that a reconnection attempt gave up on) says nothing.
    if (!host.isCurrent(signaling)) return;
    const phase = screen.phase();
    if (phase === 'joined') {
      if (host.hasResumeToken() && mayReconnectAfter(code)) host.reconnect();
      else screen.patch({ connection: 'signaling-lost' });
    } else if (phase === 'connecting' || phase === 'waiting-for-host' || phase === 'lobby')
      host.fail('unreachable', '');
  });
}

/** Our own participant changed on the server: role, hard mute, unmute request. */
function selfUpdated(screen: MeetingScreen, before: ParticipantInfo, after: ParticipantInfo): void {
  screen.patch({ self: after, ...(after.role !== 'moderator' && { lobby: [] }) });
  if (before.role !== after.role)
    screen.notify(after.role === 'moderator' ? 'moderation.promoted' : 'moderation.demoted', undefined, true);
}

/** A moderator muted us: the microphone really goes off here too, not only at the server. */
function mutedByModerator(host: ServerEventHost, hard: boolean): void {
  const self = host.screen.current.self;
  if (hard && self) host.screen.patch({ self: { ...self, hardMuted: true, unmuteRequested: false } });
  host.media.silenceMic();
  host.screen.notify(hard ? 'moderation.mutedHard' : 'moderation.muted', undefined, true);
}

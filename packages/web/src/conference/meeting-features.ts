import { E2eeSession } from '../e2ee/e2ee-session';
import { t } from '../i18n';
import { Breakouts } from './breakouts';
import { Chat } from './chat';
import type { LocalMedia } from './local-media';
import { MeetingLife } from './meeting-life';
import type { MeetingScreen } from './meeting-state';
import { Moderation } from './moderation';
import { Polls } from './polls';
import { MeetingRecording } from './recording';
import type { Requester } from './signaling';
import { VideoReception } from './video-reception';
import { VideoSizes } from './video-sizes';

/** Chat text read out when the panel is closed is cut to this many characters. */
const MAX_ANNOUNCED_CHAT = 140;

/** What the features need of their meeting. */
export interface FeatureHost {
  /** The meeting's own room (not a breakout room it moved to). */
  room: string;
  request: Requester;
  local: LocalMedia;
  screen: MeetingScreen;
  leave(): void;
  /** Stop sending and showing media (an encrypted meeting this browser cannot take part in). */
  refuseMedia(): void;
}

/**
 * A meeting's features, each with its own state and requests, wired to one another and to the
 * meeting screen: chat, moderation, E2EE, hands and reactions, polls, breakout rooms, recording,
 * video sizes and reception.
 */
export class MeetingFeatures {
  readonly chat: Chat;
  readonly moderation: Moderation;
  readonly e2ee: E2eeSession;
  readonly life: MeetingLife;
  readonly polls: Polls;
  readonly breakouts: Breakouts;
  readonly recording: MeetingRecording;
  readonly videoSizes: VideoSizes;
  readonly videoReception: VideoReception;
  private readonly stopWatchingPollMembers: () => void;

  constructor(host: FeatureHost) {
    const { request, screen, local } = host;
    this.breakouts = new Breakouts(request);
    this.chat = new Chat(
      request,
      () => screen.current.self,
      (message) => {
        const text =
          message.text.length > MAX_ANNOUNCED_CHAT
            ? `${message.text.slice(0, MAX_ANNOUNCED_CHAT)}…`
            : message.text;
        const key = message.to ? 'chat.announcePrivate' : 'chat.announce';
        screen.announce(t(key, { name: message.fromName, text }));
      },
    );
    this.moderation = new Moderation(request, (change) =>
      screen.patch({ settings: { ...screen.current.settings, ...change } }),
    );
    this.e2ee = new E2eeSession({
      request,
      room: host.room,
      leave: () => host.leave(),
      self: () => screen.current.self,
      participants: () => screen.current.participants,
      chatMessage: (message) => this.chat.receivedEncrypted(message),
      pollMessage: (sender, message) => this.polls.receive(sender, message, 'e2ee'),
      // Never send or show media in the clear in an encrypted meeting: this browser stops its media.
      refuse: () => host.refuseMedia(),
    });
    this.chat.encryptWith(() =>
      this.e2ee.chatEncrypted ? (text, to) => this.e2ee.sendChat(text, to) : null,
    );
    this.life = new MeetingLife(request, {
      selfId: () => screen.current.self?.id ?? null,
      nameOf: (id) => screen.current.participants.find((p) => p.id === id)?.displayName ?? null,
      notify: (key, params, announce) => screen.notify(key, params, announce),
      announce: (text) => screen.announce(text),
      translate: t,
    });
    this.polls = new Polls({
      selfId: () => screen.current.self?.id ?? null,
      nameOf: (id) =>
        id === screen.current.self?.id
          ? screen.current.self.displayName
          : (screen.current.participants.find((p) => p.id === id)?.displayName ?? null),
      // Under E2EE the sender is who MLS authenticated (docs/e2ee.md, _Polls_).
      isMember: (id, path) => path === 'e2ee' || screen.current.participants.some((p) => p.id === id),
      // A moderator as the server says, or under E2EE one the group's policy names. Trusting the
      // server's word on roles costs nothing here: a poll reveals nothing, and the sender is still
      // authenticated; it lets a moderator who joined later (a breakout room, a return) run polls.
      mayLead: (id, path) =>
        (id === screen.current.self?.id
          ? screen.current.self.role === 'moderator'
          : screen.current.participants.some((p) => p.id === id && p.role === 'moderator')) ||
        (path === 'e2ee' && this.e2ee.policyNames(id)),
      send: async (message, to) => {
        if (this.e2ee.chatEncrypted) await this.e2ee.sendPoll(message, to);
        else await request('poll-send', to ? { message, to } : { message });
      },
      notify: (key, params, announce) => screen.notify(key, params, announce),
    });
    // A new member of the MLS group can read our messages from now on: our open polls again.
    let pollMembers = new Set<string>();
    this.stopWatchingPollMembers = this.e2ee.state.subscribe(() => {
      const members = this.e2ee.state.get().members;
      const added = members.some((id) => !pollMembers.has(id));
      pollMembers = new Set(members);
      if (added) this.polls.announce();
    });
    this.recording = new MeetingRecording(request, {
      room: host.room,
      selfId: () => screen.current.self?.id ?? null,
      self: () => screen.current.self,
      participants: () => screen.current.participants,
      remoteTrack: (id, source) => screen.current.remoteTracks.get(id)?.[source] ?? null,
      localTrack: (source) =>
        source === 'screen'
          ? screen.current.screenTrack
          : source === 'camera'
            ? local.camera.on
              ? local.camera.track
              : null
            : local.mic.track,
      speaker: () => this.life.state.get().speakers[0] ?? this.life.state.get().lastSpeaker,
      nameOf: (id) => screen.current.participants.find((p) => p.id === id)?.displayName ?? null,
      notify: (key, params, announce) => screen.notify(key, params, announce),
    });
    this.videoSizes = new VideoSizes(request);
    this.videoReception = new VideoReception(request, () => screen.phase() === 'joined');
  }

  dispose(): void {
    this.life.dispose();
    this.polls.dispose();
    this.stopWatchingPollMembers();
    this.recording.dispose();
    this.videoSizes.dispose();
    this.videoReception.dispose();
  }
}

import type { InvitationResult, ParticipantId, Role, RoomSettings } from '@parley/protocol';
import type { Requester } from './signaling';

export interface InvitationChoice {
  expiresInSeconds: number;
  singleUse: boolean;
}

/**
 * What a moderator can do. The server checks every request (a participant gets `forbidden`); this
 * class only sends them and, once one succeeded, applies the setting it changed right away rather
 * than waiting for the `settings-updated` event.
 */
export class Moderation {
  constructor(
    private readonly request: Requester,
    private readonly applySettings: (change: Partial<RoomSettings>) => void,
  ) {}

  /** Sets or changes the password (a string) or removes it (null); applies to people who join later. */
  async setPassword(password: string | null): Promise<void> {
    await this.request('set-password', { password });
    this.applySettings({ passwordSet: password !== null });
  }

  async setLobby(enabled: boolean): Promise<void> {
    await this.request('set-lobby', { enabled });
    this.applySettings({ lobbyEnabled: enabled });
  }

  async setLocked(locked: boolean): Promise<void> {
    await this.request('set-locked', { locked });
    this.applySettings({ locked });
  }

  async setChatHistory(enabled: boolean): Promise<void> {
    await this.request('set-chat-history', { enabled });
    this.applySettings({ chatHistory: enabled });
  }

  async admit(entryId: ParticipantId): Promise<void> {
    await this.request('lobby-admit', { entryId });
  }

  async deny(entryId: ParticipantId): Promise<void> {
    await this.request('lobby-deny', { entryId });
  }

  createInvitation(choice: InvitationChoice): Promise<InvitationResult> {
    return this.request('invite-create', choice);
  }

  async revokeInvitations(): Promise<void> {
    await this.request('invite-revoke-all', {});
  }

  async kick(participantId: ParticipantId): Promise<void> {
    await this.request('kick', { participantId });
  }

  /** `hard`: "ask to unmute" — they may unmute only after a moderator allows it. */
  async mute(participantId: ParticipantId, hard: boolean): Promise<void> {
    await this.request('mute', { participantId, hard });
  }

  async muteAll(hard: boolean): Promise<void> {
    await this.request('mute-all', { hard });
  }

  async allowUnmute(participantId: ParticipantId): Promise<void> {
    await this.request('allow-unmute', { participantId });
  }

  async setRole(participantId: ParticipantId, role: Role): Promise<void> {
    await this.request('set-role', { participantId, role });
  }
}

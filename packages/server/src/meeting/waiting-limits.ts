import { MeetingError } from './meeting-error.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';

/** Bounds on what guests without an account make the server hold (README: PARLEY_WAITING_GUESTS_*, PARLEY_LOBBY_SIZE). */
export interface MeetingLimits {
  waitingPerRoom: number;
  waitingTotal: number;
  lobbySize: number;
}

export const DEFAULT_MEETING_LIMITS: MeetingLimits = {
  waitingPerRoom: 50,
  waitingTotal: 2000,
  lobbySize: 100,
};

/** How long a guest turned away by a full waiting room or lobby is asked to wait before trying again. */
export const FULL_RETRY_SECONDS = 30;

/**
 * A guest is about to wait for a host (of `room`, or of a room their join would create): refused
 * when that room or the whole server already holds as many waiting guests as the limits allow, so
 * that joins to ever new room names cannot make the server hold ever more rooms.
 */
export function checkWaitingRoom(
  registry: RoomRegistry,
  room: Room | undefined,
  limits: MeetingLimits,
): void {
  let total = 0;
  for (const each of registry.rooms()) total += each.waitingForHost.size;
  if ((room?.waitingForHost.size ?? 0) >= limits.waitingPerRoom || total >= limits.waitingTotal) {
    throw new MeetingError(
      'rate-limited',
      'Too many people are waiting for a host right now. Please try again in a little while.',
      FULL_RETRY_SECONDS,
    );
  }
}

/** A knocking guest would overfill the lobby. */
export function checkLobby(room: Room, limits: MeetingLimits): void {
  if (room.lobby.size >= limits.lobbySize) {
    throw new MeetingError(
      'rate-limited',
      'The lobby of this meeting is full. Please try again in a little while.',
      FULL_RETRY_SECONDS,
    );
  }
}

import {
  type KeptRoom,
  type KeptRoomInput,
  KeptRoomList,
  type KeptRoomSchedule,
  KeptRoom as KeptRoomShape,
  RoomScheduleAnswer,
} from '@parley/protocol';
import { call } from '../account/api';

/** The signed-in user's kept rooms (/api/kept-rooms; shapes in @parley/protocol kept-rooms.ts). */

export async function listKeptRooms(): Promise<KeptRoom[]> {
  return KeptRoomList.parse(await call('GET', '/api/kept-rooms')).rooms;
}

export async function createKeptRoom(input: KeptRoomInput): Promise<KeptRoom> {
  return KeptRoomShape.parse(await call('POST', '/api/kept-rooms', input));
}

export async function updateKeptRoom(id: string, input: KeptRoomInput): Promise<KeptRoom> {
  return KeptRoomShape.parse(await call('PUT', `/api/kept-rooms/${encodeURIComponent(id)}`, input));
}

export async function deleteKeptRoom(id: string): Promise<void> {
  await call('DELETE', `/api/kept-rooms/${encodeURIComponent(id)}`);
}

export async function scheduleKeptRoom(id: string, schedule: KeptRoomSchedule | null): Promise<KeptRoom> {
  return KeptRoomShape.parse(
    await call('PUT', `/api/kept-rooms/${encodeURIComponent(id)}/schedule`, { schedule }),
  );
}

/** Where the browser downloads the invitation (.ics) of a kept room's scheduled meeting. */
export function invitationPath(id: string, language: string): string {
  return `/api/kept-rooms/${encodeURIComponent(id)}/invitation.ics?lang=${encodeURIComponent(language)}`;
}

/** When the next meeting in a room starts (public; null when none is scheduled or it failed). */
export async function roomSchedule(roomName: string): Promise<KeptRoomSchedule | null> {
  try {
    return RoomScheduleAnswer.parse(await call('GET', `/api/room-schedule/${encodeURIComponent(roomName)}`))
      .schedule;
  } catch {
    return null;
  }
}

import type { KeptRoomSchedule } from '@parley/protocol';

/** A local date and time (`2026-12-10`, `09:30`) as the ISO instant the server keeps. */
export function scheduleFromLocal(date: string, time: string, minutes: number): KeptRoomSchedule | null {
  const start = new Date(`${date}T${time}`);
  if (Number.isNaN(start.getTime())) return null;
  return { start: start.toISOString(), minutes };
}

/** The start as people read it in their language and time zone, e.g. "10 December 2026, 09:30". */
export function formatStart(schedule: KeptRoomSchedule, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' }).format(
    new Date(schedule.start),
  );
}

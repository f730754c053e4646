import type { KeptRoomSchedule } from '@parley/protocol';
import ical, { ICalCalendarMethod } from 'ical-generator';

export interface InvitationFacts {
  roomName: string;
  /** The room's full link, `https://host/room/<name>`. */
  link: string;
  /** This server's host name, for the event's unique id. */
  host: string;
  schedule: KeptRoomSchedule;
  german?: boolean;
}

/**
 * The invitation to a kept room's scheduled meeting as an iCalendar file (RFC 5545): one event with
 * the start, the end, and the room link as URL, location and description. Parley sends it nowhere
 * and keeps no list of invitees: the user hands the file on.
 */
export function invitationCalendar(facts: InvitationFacts): string {
  const start = new Date(facts.schedule.start);
  const end = new Date(start.getTime() + facts.schedule.minutes * 60_000);
  const calendar = ical({
    prodId: { company: 'Parley', product: 'Parley', language: facts.german ? 'DE' : 'EN' },
    method: ICalCalendarMethod.PUBLISH,
  });
  const summary = facts.german ? `Besprechung: ${facts.roomName}` : `Meeting: ${facts.roomName}`;
  const description = facts.german ? `Zur Besprechung: ${facts.link}` : `Join the meeting: ${facts.link}`;
  calendar.createEvent({
    id: `${facts.roomName}-${start.getTime()}@${facts.host}`,
    start,
    end,
    stamp: new Date(),
    summary,
    description,
    location: facts.link,
    url: facts.link,
  });
  return calendar.toString();
}

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { enter } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'kept-owner', password: 'kept password 12345' });

/** An iCalendar date-time in UTC (`20261210T093000Z`) for an ISO instant. */
function icalUtc(iso: string): string {
  return new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

describe('kept rooms and scheduled meetings', () => {
  it('keeps a room with lobby and E2EE, schedules it (.ics), shows the start, and applies both when opened', async () => {
    const room = `kept-${Date.now().toString(36)}`;
    const owner = await suite.people.open();
    await suite.people.signIn(owner, suite.host.username, suite.host.password);
    await owner.getByTestId('kept-rooms').waitFor();
    await owner.getByTestId('kept-room-new').click();
    await owner.getByTestId('kept-room-name').fill(room);
    await owner.getByTestId('kept-room-lobby').check();
    await owner.getByTestId('kept-room-e2ee').check();
    expect(await seriousViolations(owner)).toEqual([]);
    await owner.getByTestId('kept-room-save').click();
    const row = owner.locator(`[data-testid="kept-room"][data-name="${room}"]`);
    await row.waitFor();

    // Schedule it for tomorrow at 09:30 local time, 45 minutes.
    const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000);
    const date = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await row.getByTestId('kept-room-schedule-toggle').click();
    await row.getByTestId('kept-room-date').fill(date);
    await row.getByTestId('kept-room-time').fill('09:30');
    await row.getByTestId('kept-room-duration').fill('45');
    await row.getByTestId('kept-room-schedule-save').click();
    const start = await row.getByTestId('kept-room-start').getAttribute('data-start');
    expect(start).toMatch(/^\d{4}-\d\d-\d\dT/);
    const expectedStart = await owner.evaluate((d) => new Date(`${d}T09:30`).toISOString(), date);
    expect(start).toBe(expectedStart);
    expect(await row.getByTestId('kept-room-invitation-text').inputValue()).toContain(`/room/${room}`);
    expect(await seriousViolations(owner)).toEqual([]);

    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      row.getByTestId('kept-room-ics').click(),
    ]);
    const ics = (await readFile(await download.path(), 'utf8')).replace(/\r\n[ \t]/g, '');
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics).toContain('\r\nEND:VCALENDAR');
    const event = ics.slice(ics.indexOf('BEGIN:VEVENT'), ics.indexOf('END:VEVENT'));
    expect(event).toContain(`DTSTART:${icalUtc(start!)}`);
    expect(event).toContain(`DTEND:${icalUtc(new Date(Date.parse(start!) + 45 * 60_000).toISOString())}`);
    const link = `${suite.server.url}/room/${room}`;
    expect(event).toContain(`LOCATION:${link}`);
    expect(event).toMatch(new RegExp(`URL[^:]*:${link.replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')}`));

    // A guest who comes early sees when it starts, and waits for the host.
    const guest = await suite.people.open();
    await guest.goto(`/room/${room}`);
    expect(await guest.getByTestId('kept-room-starts-at').getAttribute('data-start')).toBe(start);
    expect(await guest.getByTestId('kept-room-starts-at').textContent()).toContain('starts');

    // The owner opens it: encryption is on without anyone switching it on.
    await row.getByTestId('kept-room-open').click();
    await owner.waitForURL(`**/room/${room}`);
    await owner.getByTestId('display-name').fill('Owner Olga');
    await owner.getByTestId('join').click();
    await owner.waitForSelector('[data-testid="e2ee-state"][data-state="on"]', {
      state: 'attached',
      timeout: 30_000,
    });

    // The guest lands in the lobby.
    await guest.getByTestId('display-name').fill('Guest Gina');
    await guest.getByTestId('join').click();
    await guest.getByTestId('lobby-waiting').waitFor();
  });

  it('refuses a room name another account keeps, and shows the German section axe-clean', async () => {
    const room = `taken-${Date.now().toString(36)}`;
    const owner = await suite.people.open();
    await owner.context().addInitScript(() => localStorage.setItem('parley.language', 'de'));
    await suite.people.signIn(owner, suite.host.username, suite.host.password);
    await owner.getByTestId('kept-room-new').click();
    await owner.getByTestId('kept-room-name').fill(room);
    await owner.getByTestId('kept-room-save').click();
    await owner.locator(`[data-testid="kept-room"][data-name="${room}"]`).waitFor();
    expect(await owner.getByTestId('kept-rooms').getByRole('heading', { level: 2 }).textContent()).toBe(
      'Meine Räume',
    );
    expect(await seriousViolations(owner)).toEqual([]);

    await suite.server.addUser('kept-other', 'other password 12345');
    const other = await suite.people.open();
    await suite.people.signIn(other, 'kept-other', 'other password 12345');
    await other.getByTestId('kept-room-new').click();
    await other.getByTestId('kept-room-name').fill(room);
    await other.getByTestId('kept-room-save').click();
    expect(await other.getByTestId('kept-room-error').textContent()).toContain('name');
    // Not its owner or moderator: the other account waits for the host like a guest.
    await enter(other, room, 'Other Otto');
    await other.getByTestId('waiting-for-host').waitFor();
  });
});

import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, openPanel, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'moderating-host', password: 'moderation password 1' });
const HOST = suite.host;

const pages: Page[] = [];
async function person(): Promise<Page> {
  const page = await suite.people.open();
  pages.push(page);
  return page;
}
afterAll(async () => {
  for (const page of pages)
    await page
      .context()
      .close()
      .catch(() => {});
});

describe('participation control in the browser', () => {
  it('password, lobby, invitation, kick, mute-all and end-meeting', async () => {
    const room = `mod-${Date.now().toString(36)}`;
    const host = await person();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    await host.locator(tile('Host Hana')).waitFor();

    const anna = await person();
    await enter(anna, room, 'Anna', { camera: false });
    await host.locator(tile('Anna')).waitFor();

    // The moderator sets a password mid-meeting; it applies to people who join afterwards.
    await openPanel(host, 'security-toggle');
    await host.getByTestId('room-password-set').fill('open sesame 42');
    await host.getByTestId('room-password-save').click();

    const ben = await person();
    await enter(ben, room, 'Ben', { camera: false });
    await ben.getByTestId('room-password').waitFor();
    await ben.getByTestId('room-password').fill('wrong guess');
    await ben.getByTestId('join').click();
    await ben.getByTestId('join-error').waitFor();
    expect(await ben.getByTestId('join-error').textContent()).toMatch(/password/i);
    await ben.getByTestId('room-password').fill('open sesame 42');
    await ben.getByTestId('join').click();
    await host.locator(tile('Ben')).waitFor();

    // Lobby: a guest knocks, a moderator admits.
    await host.getByTestId('lobby-toggle').click();
    await waitFor(
      () => host.getByTestId('lobby-toggle').getAttribute('data-state'),
      (s) => s === 'on',
      'lobby on',
    );
    const cleo = await person();
    await enter(cleo, room, 'Cleo', { camera: false });
    await cleo.getByTestId('room-password').waitFor();
    await cleo.getByTestId('room-password').fill('open sesame 42');
    await cleo.getByTestId('join').click();
    await cleo.getByTestId('lobby-waiting').waitFor();
    await openPanel(host, 'participants-toggle');
    const knock = host.locator('[data-testid="lobby-entry"][data-name="Cleo"]');
    await knock.getByTestId('lobby-admit').click();
    await cleo.locator(tile('Host Hana')).waitFor();
    await host.locator(tile('Cleo')).waitFor();

    // An invitation link lets a guest in past password and lobby.
    await openPanel(host, 'security-toggle');
    await host.getByTestId('invite-create').click();
    const link = (await waitFor(
      () => host.getByTestId('invite-link').textContent(),
      (t) => !!t?.includes('invite='),
      'invitation link',
    ))!;
    expect(link).toContain(`/room/${room}?invite=`);
    const dora = await person();
    await enter(dora, link.trim(), 'Dora', { camera: false });
    await host.locator(tile('Dora')).waitFor();

    // Kick: the tile goes, and coming back (even with the invitation) only leads to the lobby.
    await openPanel(host, 'participants-toggle');
    await host.locator('[data-testid="participant"][data-name="Dora"]').getByTestId('kick').click();
    await host.locator(tile('Dora')).waitFor({ state: 'detached' });
    await anna.locator(tile('Dora')).waitFor({ state: 'detached' });
    await waitFor(
      () => dora.getByTestId('left-meeting').getAttribute('data-reason'),
      (r) => r === 'removed',
      'removed',
    );
    await enter(dora, link.trim(), 'Dora again', { camera: false });
    await dora.getByTestId('lobby-waiting').waitFor();
    await host
      .locator('[data-testid="lobby-entry"][data-name="Dora again"]')
      .getByTestId('lobby-deny')
      .click();
    await dora.getByTestId('join-error').waitFor();
    expect(await host.locator(tile('Dora again')).count()).toBe(0);

    // Mute everyone: each guest's microphone toggle turns off.
    for (const guest of [anna, ben, cleo])
      expect(await guest.getByTestId('toggle-mic').getAttribute('data-state')).toBe('on');
    await host.getByTestId('mute-all').click();
    for (const guest of [anna, ben, cleo]) {
      await waitFor(
        () => guest.getByTestId('toggle-mic').getAttribute('data-state'),
        (s) => s === 'off',
        'guest muted',
      );
    }
    expect(await host.getByTestId('toggle-mic').getAttribute('data-state')).toBe('on');

    // End the meeting for everyone.
    await host.getByTestId('end-meeting').click();
    for (const guest of [anna, ben, cleo]) {
      await waitFor(
        () => guest.getByTestId('left-meeting').getAttribute('data-reason'),
        (r) => r === 'ended',
        'meeting ended',
      );
      expect(await guest.locator('[data-testid="tile"]').count()).toBe(0);
    }
  });

  it('refuses a wrong invitation with a readable error', async () => {
    const room = `inv-${Date.now().toString(36)}`;
    const host = await person();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    await host.locator(tile('Host Hana')).waitFor();
    const guest = await person();
    await enter(guest, `/room/${room}?invite=not.a.valid.token`, 'Eve', { camera: false });
    await guest.getByTestId('join-error').waitFor();
    expect(await guest.getByTestId('join-error').textContent()).toMatch(/invitation/i);
  });
});

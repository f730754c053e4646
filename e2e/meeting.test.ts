import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { audioPacketsReceived, videoKeepsPlaying, waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'hosting-person', password: 'correct horse battery' });
const HOST = suite.host;

async function person(): Promise<Page> {
  return suite.people.open();
}

describe('a meeting in the browser', () => {
  it('lets a guest wait for the host, then both see and hear each other', async () => {
    const room = `e2e-${Date.now().toString(36)}`;
    const guest = await person();
    const host = await person();

    await enter(guest, room, 'Guest Gina');
    await guest.getByTestId('waiting-for-host').waitFor();
    expect(await guest.locator('[data-testid="tile"]').count()).toBe(0);

    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');

    await guest.getByTestId('waiting-for-host').waitFor({ state: 'detached' });
    await guest.locator(tile('Host Hana')).waitFor();
    await host.locator(tile('Guest Gina')).waitFor();
    expect(await host.locator('[data-testid="tile"][data-self="true"]').getAttribute('data-name')).toBe(
      'Host Hana',
    );

    await videoKeepsPlaying(host, tile('Guest Gina'));
    await videoKeepsPlaying(guest, tile('Host Hana'));

    const hostAudio = await waitFor(
      () => audioPacketsReceived(host),
      (n) => n > 0,
      'audio at the host',
    );
    await waitFor(
      () => audioPacketsReceived(host),
      (n) => n > hostAudio + 20,
      'audio keeps flowing to the host',
    );
    const guestAudio = await waitFor(
      () => audioPacketsReceived(guest),
      (n) => n > 0,
      'audio at the guest',
    );
    await waitFor(
      () => audioPacketsReceived(guest),
      (n) => n > guestAudio + 20,
      'audio keeps flowing to the guest',
    );

    const mic = guest.getByTestId('toggle-mic');
    expect(await mic.getAttribute('data-state')).toBe('on');
    await mic.click();
    await waitFor(
      () => mic.getAttribute('data-state'),
      (s) => s === 'off',
      'mic toggled off',
    );
    expect(await mic.getAttribute('aria-pressed')).toBe('false');

    await guest.context().close();
    await host.context().close();
  });

  it('shows a third participant both others, shares a screen, and removes a leaver’s tile', async () => {
    const room = `e2e3-${Date.now().toString(36)}`;
    const host = await person();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    await host.locator(tile('Host Hana')).waitFor();

    const second = await person();
    await enter(second, room, 'Second Sam');
    const third = await person();
    await enter(third, room, 'Third Tom');

    await videoKeepsPlaying(third, tile('Host Hana'));
    await videoKeepsPlaying(third, tile('Second Sam'));
    await videoKeepsPlaying(host, tile('Third Tom'));
    expect(await third.locator('[data-testid="tile"]').count()).toBe(3);

    await host.getByTestId('toggle-screen').click();
    await waitFor(
      () => host.getByTestId('toggle-screen').getAttribute('data-state'),
      (s) => s === 'on',
      'sharing',
    );
    await videoKeepsPlaying(second, '[data-testid="screen-tile"][data-name="Host Hana"]');
    await videoKeepsPlaying(third, '[data-testid="screen-tile"][data-name="Host Hana"]');

    await second.getByTestId('leave').click();
    await host.locator(tile('Second Sam')).waitFor({ state: 'detached' });
    await third.locator(tile('Second Sam')).waitFor({ state: 'detached' });
    expect(await third.locator('[data-testid="tile"]').count()).toBe(2);

    for (const page of [host, second, third]) await page.context().close();
  });

  it('explains an invalid room name', async () => {
    const page = await person();
    await page.goto('/room/not%20a%20room!');
    await page.getByTestId('join-error').waitFor();
    expect(await page.getByTestId('join-error').textContent()).toMatch(/letters, digits/i);
    await page.context().close();
  });
});

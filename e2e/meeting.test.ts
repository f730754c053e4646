import { describe, expect, it } from 'vitest';
import { tile } from './support/meeting.js';
import { byTestId, mediaNote, mediaWorksIn, roomBrowsers, screenShareWorksIn } from './support/person.js';
import { attributeBecomes, enter, hearsOthers, roomSuite, videoKeepsPlaying } from './support/room-suite.js';

describe.each(roomBrowsers())('a meeting in %s', (browser) => {
  const suite = roomSuite({ username: 'hosting-person', password: 'correct horse battery' }, browser);
  const HOST = suite.host;
  const media = mediaWorksIn(browser);

  it(`lets a guest wait for the host, then both see and hear each other${mediaNote(browser)}`, async () => {
    const room = `e2e-${Date.now().toString(36)}`;
    const guest = await suite.open();
    const host = await suite.open();

    await enter(guest, room, 'Guest Gina');
    await guest.waitFor(byTestId('waiting-for-host'));
    expect(await guest.count(byTestId('tile'))).toBe(0);

    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');

    await guest.waitFor(byTestId('waiting-for-host'), { state: 'detached' });
    await guest.waitFor(tile('Host Hana'));
    await host.waitFor(tile('Guest Gina'));
    expect(await host.attribute('[data-testid="tile"][data-self="true"]', 'data-name')).toBe('Host Hana');

    if (media) {
      await videoKeepsPlaying(host, tile('Guest Gina'));
      await videoKeepsPlaying(guest, tile('Host Hana'));
      await hearsOthers(host, 1);
      await hearsOthers(guest, 1);
    }

    const mic = byTestId('toggle-mic');
    expect(await guest.attribute(mic, 'data-state')).toBe('on');
    await guest.click(mic);
    await attributeBecomes(guest, mic, 'data-state', 'off');
    expect(await guest.attribute(mic, 'aria-pressed')).toBe('false');
  });

  it(`shows a third participant both others, shares a screen, and removes a leaver’s tile${mediaNote(browser)}`, async () => {
    const room = `e2e3-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    await host.waitFor(tile('Host Hana'));

    const second = await suite.open();
    await enter(second, room, 'Second Sam');
    const third = await suite.open();
    await enter(third, room, 'Third Tom');

    await third.waitFor(tile('Second Sam'));
    await third.waitFor(tile('Host Hana'));
    await host.waitFor(tile('Third Tom'));
    if (media) {
      await videoKeepsPlaying(third, tile('Host Hana'));
      await videoKeepsPlaying(third, tile('Second Sam'));
      await videoKeepsPlaying(host, tile('Third Tom'));
    }
    expect(await third.count(byTestId('tile'))).toBe(3);

    if (media && screenShareWorksIn(browser)) {
      await host.click(byTestId('toggle-screen'));
      await attributeBecomes(host, byTestId('toggle-screen'), 'data-state', 'on');
      await videoKeepsPlaying(second, '[data-testid="screen-tile"][data-name="Host Hana"]');
      await videoKeepsPlaying(third, '[data-testid="screen-tile"][data-name="Host Hana"]');
    }

    await second.click(byTestId('leave'));
    await host.waitFor(tile('Second Sam'), { state: 'detached' });
    await third.waitFor(tile('Second Sam'), { state: 'detached' });
    expect(await third.count(byTestId('tile'))).toBe(2);
  });

  it('explains an invalid room name', async () => {
    const person = await suite.open();
    await person.goto('/room/not%20a%20room!');
    await person.waitFor(byTestId('join-error'));
    expect(await person.text(byTestId('join-error'))).toMatch(/letters, digits/i);
  });
});

import { describe, expect, it } from 'vitest';
import { tile } from './support/meeting.js';
import { byTestId, mediaNote, mediaWorksIn, type Person, roomBrowsers } from './support/person.js';
import { attributeBecomes, enter, hearsOthers, roomSuite } from './support/room-suite.js';

const TOGGLE = byTestId('noise-suppression');

/** Clicks the toggle in the room, opening "More" first when it sits behind it (narrow windows). */
async function toggleInRoom(person: Person): Promise<void> {
  const box = await person.box(TOGGLE);
  if (!box || box.width === 0) await person.click(byTestId('more-toggle'));
  await person.click(TOGGLE);
}

/**
 * The noise suppression switch as a person uses it, in every browser: on by default, remembered on
 * the device, switchable with the keyboard on the pre-join screen and in the room, and the others
 * keep hearing the person whichever way it is set. (How much noise it removes is measured in
 * Chromium by noise-suppression.test.ts.)
 */
describe.each(roomBrowsers())('the noise suppression switch in %s', (browser) => {
  const suite = roomSuite({ username: 'noise-switch-host', password: 'correct horse battery' }, browser);
  const media = mediaWorksIn(browser);

  it(`is on by default, remembered on the device, and switches in the room while audio keeps arriving${mediaNote(browser)}`, async () => {
    const room = `noise-switch-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, suite.host.username, suite.host.password);
    await host.goto(`/room/${room}`);
    expect(await host.attribute(TOGGLE, 'data-state')).toBe('on');
    expect(await host.attribute(TOGGLE, 'aria-pressed')).toBe('true');

    // Off with the keyboard, and still off after reloading: the choice stays on this device.
    await host.evaluate(() =>
      document.querySelector<HTMLElement>('[data-testid="noise-suppression"]')?.focus(),
    );
    await host.press('Enter');
    await attributeBecomes(host, TOGGLE, 'data-state', 'off');
    expect(await host.attribute(TOGGLE, 'aria-pressed')).toBe('false');
    await host.reload();
    expect(await host.attribute(TOGGLE, 'data-state')).toBe('off');
    await host.click(TOGGLE);
    await attributeBecomes(host, TOGGLE, 'data-state', 'on');

    await enter(host, room, 'Host Hana');
    const guest = await suite.open();
    await enter(guest, room, 'Guest Gina');
    await guest.waitFor(tile('Host Hana'));
    await host.waitFor(tile('Guest Gina'));
    expect(await host.attribute(TOGGLE, 'data-state')).toBe('on');
    if (media) await hearsOthers(guest, 1);

    await toggleInRoom(host);
    await attributeBecomes(host, TOGGLE, 'data-state', 'off');
    if (media) await hearsOthers(guest, 1);

    await toggleInRoom(host);
    await attributeBecomes(host, TOGGLE, 'data-state', 'on');
    if (media) await hearsOthers(guest, 1);
    // The browser runs it: had starting it failed, the switch would show off and say it is not available.
    expect(await host.attribute(TOGGLE, 'data-state')).toBe('on');
    expect(await host.attribute(TOGGLE, 'title')).toBe('Noise suppression');
  });
});

import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, roomBrowsers } from './support/person.js';
import { attributeBecomes, enter, openPanel, roomSuite } from './support/room-suite.js';

describe.each(roomBrowsers())('participation control in %s', (browser) => {
  const suite = roomSuite({ username: 'moderating-host', password: 'moderation password 1' }, browser);
  const HOST = suite.host;

  it('password, lobby, invitation, kick, mute-all and end-meeting', async () => {
    const room = `mod-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    await host.waitFor(tile('Host Hana'));

    const anna = await suite.open();
    await enter(anna, room, 'Anna', { camera: false });
    await host.waitFor(tile('Anna'));

    // The moderator sets a password mid-meeting; it applies to people who join afterwards.
    await openPanel(host, 'security-toggle');
    await host.fill(byTestId('room-password-set'), 'open sesame 42');
    await host.click(byTestId('room-password-save'));

    const ben = await suite.open();
    await enter(ben, room, 'Ben', { camera: false });
    await ben.waitFor(byTestId('room-password'));
    await ben.fill(byTestId('room-password'), 'wrong guess');
    await ben.click(byTestId('join'));
    await ben.waitFor(byTestId('join-error'));
    expect(await ben.text(byTestId('join-error'))).toMatch(/password/i);
    await ben.fill(byTestId('room-password'), 'open sesame 42');
    await ben.click(byTestId('join'));
    await host.waitFor(tile('Ben'));

    // Lobby: a guest knocks, a moderator admits.
    await host.click(byTestId('lobby-toggle'));
    await attributeBecomes(host, byTestId('lobby-toggle'), 'data-state', 'on');
    const cleo = await suite.open();
    await enter(cleo, room, 'Cleo', { camera: false });
    await cleo.waitFor(byTestId('room-password'));
    await cleo.fill(byTestId('room-password'), 'open sesame 42');
    await cleo.click(byTestId('join'));
    await cleo.waitFor(byTestId('lobby-waiting'));
    await openPanel(host, 'participants-toggle');
    await host.click(`[data-testid="lobby-entry"][data-name="Cleo"] ${byTestId('lobby-admit')}`);
    await cleo.waitFor(tile('Host Hana'));
    await host.waitFor(tile('Cleo'));

    // An invitation link lets a guest in past password and lobby.
    await openPanel(host, 'security-toggle');
    await host.click(byTestId('invite-create'));
    const link = (await waitFor(
      () => host.text(byTestId('invite-link')),
      (t) => !!t?.includes('invite='),
      'invitation link',
    ))!;
    expect(link).toContain(`/room/${room}?invite=`);
    const dora = await suite.open();
    await enter(dora, link.trim(), 'Dora', { camera: false });
    await host.waitFor(tile('Dora'));

    // Kick: the tile goes, and coming back (even with the invitation) only leads to the lobby.
    await openPanel(host, 'participants-toggle');
    await host.click(`[data-testid="participant"][data-name="Dora"] ${byTestId('kick')}`);
    await host.waitFor(tile('Dora'), { state: 'detached' });
    await anna.waitFor(tile('Dora'), { state: 'detached' });
    await attributeBecomes(dora, byTestId('left-meeting'), 'data-reason', 'removed');
    await enter(dora, link.trim(), 'Dora again', { camera: false });
    await dora.waitFor(byTestId('lobby-waiting'));
    await host.click(`[data-testid="lobby-entry"][data-name="Dora again"] ${byTestId('lobby-deny')}`);
    await dora.waitFor(byTestId('join-error'));
    expect(await host.count(tile('Dora again'))).toBe(0);

    // Mute everyone: each guest's microphone toggle turns off.
    for (const guest of [anna, ben, cleo])
      expect(await guest.attribute(byTestId('toggle-mic'), 'data-state')).toBe('on');
    await host.click(byTestId('mute-all'));
    for (const guest of [anna, ben, cleo])
      await attributeBecomes(guest, byTestId('toggle-mic'), 'data-state', 'off');
    expect(await host.attribute(byTestId('toggle-mic'), 'data-state')).toBe('on');

    // End the meeting for everyone.
    await host.click(byTestId('end-meeting'));
    for (const guest of [anna, ben, cleo]) {
      await attributeBecomes(guest, byTestId('left-meeting'), 'data-reason', 'ended');
      expect(await guest.count(byTestId('tile'))).toBe(0);
    }
  });

  it('refuses a wrong invitation with a readable error', async () => {
    const room = `inv-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    await host.waitFor(tile('Host Hana'));
    const guest = await suite.open();
    await enter(guest, `/room/${room}?invite=not.a.valid.token`, 'Eve', { camera: false });
    await guest.waitFor(byTestId('join-error'));
    expect(await guest.text(byTestId('join-error'))).toMatch(/invitation/i);
  });
});

import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, mediaNote, mediaWorksIn, type Person, roomBrowsers } from './support/person.js';
import { attributeBecomes, enter, openPanel, roomSuite, videoKeepsPlaying } from './support/room-suite.js';

/** Keeps every WebSocket the page opens in window.__sockets, so the test can cut one. */
async function recordSockets(person: Person): Promise<void> {
  await person.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: WebSocket[] = [];
    (window as unknown as { __sockets: WebSocket[] }).__sockets = sockets;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    } as typeof WebSocket;
  });
}

/** The network drops the page's signalling connection. */
async function dropConnection(person: Person): Promise<void> {
  await person.evaluate(() => {
    const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets;
    sockets.at(-1)?.close(4000, 'network drop');
  });
}

async function e2eeState(person: Person): Promise<string | null> {
  return person.attribute(byTestId('e2ee-state'), 'data-state');
}

/** The banner comes and, once back in, goes again. */
async function reconnects(person: Person): Promise<void> {
  await person.waitFor(byTestId('reconnecting'), { timeout: 10_000 });
  await person.waitFor(byTestId('reconnecting'), { state: 'detached', timeout: 30_000 });
  expect(await person.count(byTestId('connection-lost'))).toBe(0);
}

describe.each(roomBrowsers())('reconnecting in %s', (browser) => {
  const suite = roomSuite({ username: 'reconnecting-host', password: 'reconnect password 1' }, browser);
  const HOST = suite.host;
  const media = mediaWorksIn(browser);

  it(`brings everyone back on their own: after a dropped connection and after a server crash${mediaNote(browser)}`, async () => {
    const room = `rc-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    await host.waitFor(tile('Host Hana'));

    // Password and lobby on: a guest gets in with the password, then a moderator's admission.
    await openPanel(host, 'security-toggle');
    await host.fill(byTestId('room-password-set'), 'open sesame 7');
    await host.click(byTestId('room-password-save'));
    await host.click(byTestId('lobby-toggle'));
    await attributeBecomes(host, byTestId('lobby-toggle'), 'data-state', 'on');
    const guest = await suite.open();
    await recordSockets(guest);
    await enter(guest, room, 'Gina');
    await guest.fill(byTestId('room-password'), 'open sesame 7');
    await guest.click(byTestId('join'));
    await guest.waitFor(byTestId('lobby-waiting'));
    await openPanel(host, 'participants-toggle');
    await host.click(`[data-testid="lobby-entry"][data-name="Gina"] ${byTestId('lobby-admit')}`);
    await host.waitFor(tile('Gina'));
    await guest.waitFor(tile('Host Hana'));
    if (media) {
      await videoKeepsPlaying(host, tile('Gina'));
      await videoKeepsPlaying(guest, tile('Host Hana'));
    }

    // The guest mutes and a chat message arrives: both must survive reconnecting.
    await guest.click(byTestId('toggle-mic'));
    await openPanel(guest, 'chat-toggle');
    await openPanel(host, 'chat-toggle');
    await host.fill(byTestId('chat-input'), 'before the drop');
    await host.click(byTestId('chat-send'));
    await guest.waitFor(byTestId('chat-message'));

    // 1. The guest's connection drops; the server keeps the meeting, password and lobby still on.
    await dropConnection(guest);
    await reconnects(guest);
    // Straight back in: no password asked, no knock at the lobby.
    expect(await guest.count(byTestId('lobby-waiting'))).toBe(0);
    expect(await guest.count(byTestId('room-password'))).toBe(0);
    await openPanel(host, 'participants-toggle');
    expect(await host.count(byTestId('lobby-entry'))).toBe(0);
    if (media) {
      await videoKeepsPlaying(host, tile('Gina'));
      await videoKeepsPlaying(guest, tile('Host Hana'));
    }
    expect(await guest.attribute(byTestId('toggle-mic'), 'data-state')).toBe('off');
    expect(await guest.attribute(byTestId('toggle-camera'), 'data-state')).toBe('on');
    expect(await guest.count(byTestId('chat-message'))).toBe(1);

    // 2. The server crashes and is started again (same ports, same data directory).
    // Watched from before the kill: a client can be back in before restart() sees the new server
    // listening, and a banner already gone would not be seen at all.
    const bothBack = Promise.all([reconnects(host), reconnects(guest)]);
    await suite.server.restart('SIGKILL');
    await bothBack;
    await host.waitFor(tile('Gina'));
    await guest.waitFor(tile('Host Hana'));
    if (media) {
      await videoKeepsPlaying(host, tile('Gina'));
      await videoKeepsPlaying(guest, tile('Host Hana'));
    }
    expect(await guest.count(byTestId('tile'))).toBe(2);
    expect(await host.count(byTestId('tile'))).toBe(2);
    // The host is still a moderator (their controls are there), the guest still not.
    await openPanel(host, 'participants-toggle');
    await host.waitFor(byTestId('end-meeting'));
    await host.waitFor(`[data-testid="participant"][data-name="Gina"] ${byTestId('kick')}`);
    await openPanel(guest, 'participants-toggle');
    expect(await guest.count(byTestId('end-meeting'))).toBe(0);
    expect(await guest.attribute(byTestId('toggle-mic'), 'data-state')).toBe('off');
  });

  it(`comes back into an encrypted meeting encrypted: held media, then a new member of the group${mediaNote(browser)}`, async () => {
    const room = `rc-e2ee-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    const guest = await suite.open();
    await recordSockets(guest);
    await enter(guest, room, 'Gina');
    await host.waitFor(tile('Gina'));
    if (media) await videoKeepsPlaying(host, tile('Gina'));
    await guest.click(byTestId('e2ee-toggle'));
    for (const person of [host, guest])
      await waitFor(
        () => e2eeState(person),
        (s) => s === 'on',
        'encrypting',
        20_000,
      );
    const code = await host.text(byTestId('e2ee-code-value'));

    await dropConnection(guest);
    await reconnects(guest);
    // Never shown as unencrypted on the way back, and encrypting again with the others.
    for (const person of [host, guest])
      await waitFor(
        () => e2eeState(person),
        (s) => s === 'on',
        'encrypting again',
        20_000,
      );
    expect(await guest.count(byTestId('e2ee-switched-off'))).toBe(0);
    if (media) {
      // The host accepts only frames that decrypt (strict) while encrypted: video means encrypted video.
      await videoKeepsPlaying(host, tile('Gina'));
      await videoKeepsPlaying(guest, tile('Host Hana'));
    }
    // A member left and a new one joined: a new security code, the same on both screens.
    await waitFor(
      () => host.text(byTestId('e2ee-code-value')),
      (c) => c !== null && c !== code,
      'a new code',
    );
    await waitFor(
      async () =>
        (await host.text(byTestId('e2ee-code-value'))) === (await guest.text(byTestId('e2ee-code-value'))),
      (same) => same,
      'the same code on both screens',
    );
  });
});

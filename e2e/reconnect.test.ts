import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { videoKeepsPlaying, waitFor } from './support/browser.js';
import { enter, openPanel, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'reconnecting-host', password: 'reconnect password 1' });
const HOST = suite.host;

/** Keeps every WebSocket the page opens in window.__sockets, so the test can cut one. */
async function recordSockets(page: Page): Promise<void> {
  await page.context().addInitScript(() => {
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

async function e2eeState(page: Page): Promise<string | null> {
  return page.getByTestId('e2ee-state').getAttribute('data-state');
}

/** The banner comes and, once back in, goes again. */
async function reconnects(page: Page): Promise<void> {
  await page.getByTestId('reconnecting').waitFor({ timeout: 10_000 });
  await page.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 30_000 });
  expect(await page.getByTestId('connection-lost').count()).toBe(0);
}

describe('reconnecting', () => {
  it('brings everyone back on their own: after a dropped connection and after a server crash', async () => {
    const room = `rc-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    await host.locator(tile('Host Hana')).waitFor();

    // Password and lobby on: a guest gets in with the password, then a moderator's admission.
    await openPanel(host, 'security-toggle');
    await host.getByTestId('room-password-set').fill('open sesame 7');
    await host.getByTestId('room-password-save').click();
    await host.getByTestId('lobby-toggle').click();
    await waitFor(
      () => host.getByTestId('lobby-toggle').getAttribute('data-state'),
      (s) => s === 'on',
      'lobby on',
    );
    const guest = await suite.people.open();
    await recordSockets(guest);
    await enter(guest, room, 'Gina');
    await guest.getByTestId('room-password').fill('open sesame 7');
    await guest.getByTestId('join').click();
    await guest.getByTestId('lobby-waiting').waitFor();
    await openPanel(host, 'participants-toggle');
    await host.locator('[data-testid="lobby-entry"][data-name="Gina"]').getByTestId('lobby-admit').click();
    await videoKeepsPlaying(host, tile('Gina'));
    await videoKeepsPlaying(guest, tile('Host Hana'));

    // The guest mutes and a chat message arrives: both must survive reconnecting.
    await guest.getByTestId('toggle-mic').click();
    await openPanel(guest, 'chat-toggle');
    await openPanel(host, 'chat-toggle');
    await host.getByTestId('chat-input').fill('before the drop');
    await host.getByTestId('chat-send').click();
    await guest.getByTestId('chat-message').waitFor();

    // 1. The guest's connection drops; the server keeps the meeting, password and lobby still on.
    await guest.evaluate(() => {
      const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets;
      sockets.at(-1)?.close(4000, 'network drop');
    });
    await reconnects(guest);
    // Straight back in: no password asked, no knock at the lobby.
    expect(await guest.getByTestId('lobby-waiting').count()).toBe(0);
    expect(await guest.getByTestId('room-password').count()).toBe(0);
    await openPanel(host, 'participants-toggle');
    expect(await host.getByTestId('lobby-entry').count()).toBe(0);
    await videoKeepsPlaying(host, tile('Gina'));
    await videoKeepsPlaying(guest, tile('Host Hana'));
    expect(await guest.getByTestId('toggle-mic').getAttribute('data-state')).toBe('off');
    expect(await guest.getByTestId('toggle-camera').getAttribute('data-state')).toBe('on');
    expect(await guest.getByTestId('chat-message').count()).toBe(1);

    // 2. The server crashes and is started again (same ports, same data directory).
    await suite.server.restart('SIGKILL');
    await Promise.all([reconnects(host), reconnects(guest)]);
    await videoKeepsPlaying(host, tile('Gina'));
    await videoKeepsPlaying(guest, tile('Host Hana'));
    expect(await guest.locator('[data-testid="tile"]').count()).toBe(2);
    expect(await host.locator('[data-testid="tile"]').count()).toBe(2);
    // The host is still a moderator (their controls are there), the guest still not.
    await openPanel(host, 'participants-toggle');
    await host.getByTestId('end-meeting').waitFor();
    await host.locator('[data-testid="participant"][data-name="Gina"]').getByTestId('kick').waitFor();
    await openPanel(guest, 'participants-toggle');
    expect(await guest.getByTestId('end-meeting').count()).toBe(0);
    expect(await guest.getByTestId('toggle-mic').getAttribute('data-state')).toBe('off');
  });

  it('comes back into an encrypted meeting encrypted: held media, then a new member of the group', async () => {
    const room = `rc-e2ee-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    const guest = await suite.people.open();
    await recordSockets(guest);
    await enter(guest, room, 'Gina');
    await videoKeepsPlaying(host, tile('Gina'));
    await guest.getByTestId('e2ee-toggle').click();
    for (const page of [host, guest])
      await waitFor(
        () => e2eeState(page),
        (s) => s === 'on',
        'encrypting',
        20_000,
      );
    const code = await host.getByTestId('e2ee-code-value').textContent();

    await guest.evaluate(() => {
      const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets;
      sockets.at(-1)?.close(4000, 'network drop');
    });
    await reconnects(guest);
    // Never shown as unencrypted on the way back, and encrypting again with the others.
    for (const page of [host, guest])
      await waitFor(
        () => e2eeState(page),
        (s) => s === 'on',
        'encrypting again',
        20_000,
      );
    expect(await guest.getByTestId('e2ee-switched-off').count()).toBe(0);
    // The host accepts only frames that decrypt (strict) while encrypted: video means encrypted video.
    await videoKeepsPlaying(host, tile('Gina'));
    await videoKeepsPlaying(guest, tile('Host Hana'));
    // A member left and a new one joined: a new security code, the same on both screens.
    await waitFor(
      () => host.getByTestId('e2ee-code-value').textContent(),
      (c) => c !== null && c !== code,
      'a new code',
    );
    await waitFor(
      async () =>
        (await host.getByTestId('e2ee-code-value').textContent()) ===
        (await guest.getByTestId('e2ee-code-value').textContent()),
      (same) => same,
      'the same code on both screens',
    );
  });
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { framesShown, videoKeepsPlaying, waitFor } from './support/browser.js';
import { enter, openPanel, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'e2ee-host', password: 'correct horse battery' });

async function e2eeState(page: Page): Promise<string | null> {
  return page.getByTestId('e2ee-state').getAttribute('data-state');
}

/** Every sending and receiving media transceiver of the page, and how many carry an encoded transform. */
async function transforms(page: Page): Promise<{ senders: number; receivers: number; missing: number }> {
  return page.evaluate(() => {
    let senders = 0;
    let receivers = 0;
    let missing = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const transceiver of pc.getTransceivers()) {
        if (transceiver.currentDirection === 'sendonly') {
          senders++;
          if (!(transceiver.sender as { transform?: unknown }).transform) missing++;
        } else if (transceiver.currentDirection === 'recvonly') {
          receivers++;
          if (!(transceiver.receiver as { transform?: unknown }).transform) missing++;
        }
      }
    }
    return { senders, receivers, missing };
  });
}

interface Tapped {
  encrypted: number;
  decrypted: number;
  tap: { sentPlaintext: string[]; received: string[] };
}

/** The worker's test-only tap (switched on by the storage flag before the app loads). */
async function tapped(page: Page): Promise<Tapped> {
  return page.evaluate(() =>
    (window as unknown as { __parleyE2eeTap: () => Promise<Tapped> }).__parleyE2eeTap(),
  );
}

async function withTap(page: Page): Promise<Page> {
  await page.addInitScript(() => localStorage.setItem('parley-e2ee-test-tap', '1'));
  return page;
}

async function meetingCode(page: Page): Promise<string | null> {
  return page.getByTestId('e2ee-code-value').textContent();
}

describe('end-to-end encryption in the browser', () => {
  it('a guest switches it on; both encrypt and still see each other; a late joiner gets in', async () => {
    const room = `e2ee-${Date.now().toString(36)}`;
    const host = await withTap(await suite.people.open());
    const guest = await withTap(await suite.people.open());
    // Everything the guest's page sends to the server, to show the chat leaves it encrypted.
    const sentByGuest: string[] = [];
    await guest.routeWebSocket(/\/ws$/, (socket) => {
      const server = socket.connectToServer();
      socket.onMessage((message) => {
        if (typeof message === 'string') sentByGuest.push(message);
        server.send(message);
      });
    });
    await suite.people.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    await enter(guest, room, 'Guest Gina');
    await host.locator(tile('Guest Gina')).waitFor();
    await guest.locator(tile('Host Hana')).waitFor();
    await videoKeepsPlaying(host, tile('Guest Gina'));
    expect(await e2eeState(host)).toBe('off');

    const started = Date.now();
    await guest.getByTestId('e2ee-toggle').click();
    await waitFor(
      () => e2eeState(guest),
      (s) => s === 'on',
      'the guest encrypting',
    );
    await waitFor(
      () => e2eeState(host),
      (s) => s === 'on',
      'the host encrypting',
    );
    console.log(`e2ee: toggle to on for 2 browsers in ${Date.now() - started} ms`);

    for (const page of [host, guest]) {
      const counted = await transforms(page);
      expect(counted.senders).toBeGreaterThan(0);
      expect(counted.receivers).toBeGreaterThan(0);
      expect(counted.missing).toBe(0);
    }
    await videoKeepsPlaying(host, tile('Guest Gina'));
    await videoKeepsPlaying(guest, tile('Host Hana'));
    const code = await meetingCode(host);
    expect(code).toBeTruthy();
    expect(await meetingCode(guest)).toBe(code);

    // Proof: what the SFU forwarded never contains the plaintext the sender encrypted.
    const [atHost, atGuest] = await Promise.all([
      waitFor(
        () => tapped(host),
        (t) => t.tap.received.length >= 20 && t.tap.sentPlaintext.length >= 20,
        'tap at host',
      ),
      waitFor(
        () => tapped(guest),
        (t) => t.tap.received.length >= 20 && t.tap.sentPlaintext.length >= 20,
        'tap at guest',
      ),
    ]);
    for (const [sender, receiver] of [
      [atGuest, atHost],
      [atHost, atGuest],
    ] as const) {
      expect(sender.encrypted).toBeGreaterThan(0);
      expect(receiver.decrypted).toBeGreaterThan(0);
      for (const frame of receiver.tap.received) {
        expect(frame.endsWith('e2ee')).toBe(true);
        for (const sample of sender.tap.sentPlaintext) expect(frame.includes(sample)).toBe(false);
      }
    }

    // Chat travels as MLS application messages and still arrives.
    await openPanel(guest, 'chat-toggle');
    await guest.getByTestId('chat-input').fill('a secret hello');
    await guest.getByTestId('chat-send').click();
    await openPanel(host, 'chat-toggle');
    const line = host.locator('[data-testid="chat-message"][data-author="Guest Gina"]');
    await line.waitFor();
    expect(await line.textContent()).toContain('a secret hello');
    expect(sentByGuest.some((message) => message.includes('"e2ee-chat-send"'))).toBe(true);
    expect(sentByGuest.some((message) => message.includes('secret hello'))).toBe(false);

    const late = await suite.people.open();
    await enter(late, room, 'Late Lou');
    await waitFor(
      () => e2eeState(late),
      (s) => s === 'on',
      'the late joiner encrypting',
      20_000,
    );
    await videoKeepsPlaying(late, tile('Host Hana'));
    await videoKeepsPlaying(host, tile('Late Lou'));
    await videoKeepsPlaying(guest, tile('Late Lou'));
    const counted = await transforms(late);
    expect(counted.receivers).toBeGreaterThan(0);
    expect(counted.missing).toBe(0);
    // The joiner started a new epoch: a new code, the same on every screen, saying who joined.
    await waitFor(
      () => meetingCode(host),
      (c) => c !== null && c !== code,
      'a new code',
    );
    const newCode = await meetingCode(late);
    await waitFor(
      () => meetingCode(host),
      (c) => c === newCode,
      'the host showing the joiner’s code',
    );
    expect(await meetingCode(guest)).toBe(newCode);
    expect(await host.getByTestId('e2ee-code-reason').textContent()).toContain('Late Lou');

    // A browser that cannot encrypt is refused with a readable message, and sends nothing.
    const old = await suite.people.open();
    await old.addInitScript(() => {
      delete (window as unknown as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform;
    });
    await enter(old, room, 'Old Olaf');
    const refusal = old.getByTestId('join-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/cannot encrypt video end to end/);
    expect(await host.locator(tile('Old Olaf')).count()).toBe(0);

    // Only the moderators at creation may switch it off (the policy in the group): the guest cannot.
    expect(await guest.getByTestId('e2ee-toggle').isDisabled()).toBe(true);
    expect(await guest.getByTestId('e2ee-off-policy').textContent()).toContain('Host Hana');
    // The host's signed switch-off: everyone is told who did it, and holds their media until they choose.
    await host.getByTestId('e2ee-toggle').click();
    for (const page of [guest, late]) {
      const notice = page.getByTestId('e2ee-switched-off-text');
      await notice.waitFor();
      expect(await notice.textContent()).toContain('Host Hana');
      expect(await notice.getAttribute('data-held')).toBe('true');
      await waitFor(
        () => e2eeState(page),
        (s) => s === 'off',
        'encryption off',
      );
    }
    // Held: nothing of the guest's reaches the host until the guest chooses.
    const heldAt = await framesShown(host, tile('Guest Gina'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await framesShown(host, tile('Guest Gina'))).toBeLessThanOrEqual(heldAt + 3);
    for (const page of [guest, late]) await page.getByTestId('e2ee-continue-clear').click();
    await videoKeepsPlaying(guest, tile('Host Hana'));
    await videoKeepsPlaying(host, tile('Guest Gina'));
  }, 150_000);

  it('a participant without the keys cannot decode anything and says so on the tile', async () => {
    const room = `e2ee-keyless-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    await host.getByTestId('e2ee-toggle').click();
    await waitFor(
      () => e2eeState(host),
      (s) => s === 'on',
      'the host encrypting',
    );

    // Kim's browser never gets its key package to the server, so no one can add her to the group.
    const kim = await suite.people.open();
    await kim.routeWebSocket(/\/ws$/, (socket) => {
      const server = socket.connectToServer();
      socket.onMessage((message) => {
        if (typeof message === 'string' && message.includes('"e2ee-key-package"')) return;
        server.send(message);
      });
    });
    await enter(kim, room, 'Keyless Kim');
    await kim.locator(tile('Host Hana')).getByTestId('tile-waiting-for-keys').waitFor();
    expect(await e2eeState(kim)).toBe('pending');
    // A fixed window: what must be shown is that nothing arrives in it.
    const before = await framesShown(kim, tile('Host Hana'));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await framesShown(kim, tile('Host Hana'))).toBe(before);
    // Kim holds her own frames instead of sending them in the clear.
    expect(await framesShown(host, tile('Keyless Kim'))).toBe(0);
  });
});

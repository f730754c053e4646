import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, openPanel, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'chatting-host', password: 'chat password 123' });
const HOST = suite.host;

async function send(page: Page, text: string): Promise<void> {
  await openPanel(page, 'chat-toggle');
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-send').click();
}

describe('chat in the browser', () => {
  it('relays messages as plain text, counts unread ones, and deletes on every screen', async () => {
    const room = `chat-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    const guest = await suite.people.open();
    await enter(guest, room, 'Gina', { camera: false });
    await host.locator(tile('Gina')).waitFor();

    // An injection attempt is shown as the text it is, and runs nothing.
    const injection = '<img src=x onerror="document.title=`pwned`">hello <b>bold</b> https://example.org';
    await send(guest, injection);
    await waitFor(
      () => host.getByTestId('chat-toggle').textContent(),
      (t) => /1/.test(t ?? ''),
      'unread badge',
    );
    await openPanel(host, 'chat-toggle');
    const received = host.locator('[data-testid="chat-message"][data-author="Gina"]');
    await received.waitFor();
    expect(await received.textContent()).toContain(injection);
    expect(
      await host.locator('[data-testid="chat-message"] img, [data-testid="chat-message"] b').count(),
    ).toBe(0);
    expect(await host.title()).not.toBe('pwned');

    await send(host, 'Hello from the host');
    const hostLine = guest.locator('[data-testid="chat-message"][data-author="Host Hana"]');
    await hostLine.waitFor();

    // The author deletes their message: gone on the other screen at once.
    const own = guest.locator('[data-testid="chat-message"][data-author="Gina"]');
    await own.getByTestId('chat-delete').click();
    await received.waitFor({ state: 'detached' });
    await own.waitFor({ state: 'detached' });
    expect(await host.locator('[data-testid="chat-message"]').count()).toBe(1);

    // A late joiner sees no earlier messages.
    const late = await suite.people.open();
    await enter(late, room, 'Late Larry', { camera: false });
    await host.locator(tile('Late Larry')).waitFor();
    await openPanel(late, 'chat-toggle');
    expect(await late.locator('[data-testid="chat-message"]').count()).toBe(0);
    for (const page of [host, guest, late]) await page.context().close();
  });
});

import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, type Person, roomBrowsers } from './support/person.js';
import { enter, openPanel, roomSuite } from './support/room-suite.js';

async function send(person: Person, text: string): Promise<void> {
  await openPanel(person, 'chat-toggle');
  await person.fill(byTestId('chat-input'), text);
  await person.click(byTestId('chat-send'));
}

describe.each(roomBrowsers())('chat in %s', (browser) => {
  const suite = roomSuite({ username: 'chatting-host', password: 'chat password 123' }, browser);
  const HOST = suite.host;

  it('relays messages as plain text, counts unread ones, and deletes on every screen', async () => {
    const room = `chat-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    const guest = await suite.open();
    await enter(guest, room, 'Gina', { camera: false });
    await host.waitFor(tile('Gina'));

    // An injection attempt is shown as the text it is, and runs nothing.
    const injection = '<img src=x onerror="document.title=`pwned`">hello <b>bold</b> https://example.org';
    await send(guest, injection);
    await waitFor(
      () => host.text(byTestId('chat-toggle')),
      (t) => /1/.test(t ?? ''),
      'unread badge',
    );
    await openPanel(host, 'chat-toggle');
    const received = '[data-testid="chat-message"][data-author="Gina"]';
    await host.waitFor(received);
    expect(await host.text(received)).toContain(injection);
    expect(await host.count('[data-testid="chat-message"] img, [data-testid="chat-message"] b')).toBe(0);
    expect(await host.evaluate(() => document.title)).not.toBe('pwned');

    await send(host, 'Hello from the host');
    await guest.waitFor('[data-testid="chat-message"][data-author="Host Hana"]');

    // The author deletes their message: gone on the other screen at once.
    const own = '[data-testid="chat-message"][data-author="Gina"]';
    await guest.click(`${own} ${byTestId('chat-delete')}`);
    await host.waitFor(received, { state: 'detached' });
    await guest.waitFor(own, { state: 'detached' });
    expect(await host.count(byTestId('chat-message'))).toBe(1);

    // A late joiner sees no earlier messages.
    const late = await suite.open();
    await enter(late, room, 'Late Larry', { camera: false });
    await host.waitFor(tile('Late Larry'));
    await openPanel(late, 'chat-toggle');
    expect(await late.count(byTestId('chat-message'))).toBe(0);
  });
});

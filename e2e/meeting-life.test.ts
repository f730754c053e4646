import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, roomBrowsers, screenShareWorksIn } from './support/person.js';
import { enter, openPanel, roomSuite } from './support/room-suite.js';

describe.each(roomBrowsers())('meeting life in %s', (browser) => {
  const suite = roomSuite({ username: 'lively-host', password: 'lively password 123' }, browser);
  const HOST = suite.host;

  it('queues raised hands in order for moderators, lets them lower one, and shows reactions', async () => {
    const room = `life-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    const ann = await suite.open();
    await enter(ann, room, 'Ann', { camera: false });
    const ben = await suite.open();
    await enter(ben, room, 'Ben', { camera: false });
    await host.waitFor(tile('Ben'));
    await host.waitFor(tile('Ann'));

    // Ben raises his hand with the keyboard shortcut, Ann with the button.
    await ben.waitFor(tile('Ben'));
    await ben.press('h');
    await ben.waitFor('[data-testid="toggle-hand"][data-state="on"]');
    expect(await ben.attribute(byTestId('toggle-hand'), 'aria-pressed')).toBe('true');
    await host.waitFor(`${tile('Ben')}[data-hand="on"]`);
    await ann.click(byTestId('toggle-hand'));
    await host.waitFor(`${tile('Ann')}[data-hand="on"]`);

    // The host is told, and sees the queue in the order the hands went up.
    await waitFor(
      () => host.texts(byTestId('toast')),
      (texts) => texts.some((text) => text.includes('Ann raised their hand')),
      'raised-hand toast',
    );
    await openPanel(host, 'participants-toggle');
    const entries = byTestId('hand-queue-entry');
    await waitFor(
      () => host.count(entries),
      (n) => n === 2,
      'two raised hands',
    );
    expect(
      await host.evaluate(
        (selector: string) =>
          Array.from(document.querySelectorAll(selector)).map((row) => row.getAttribute('data-name')),
        entries,
      ),
    ).toEqual(['Ben', 'Ann']);

    // The host lowers Ben's hand; Ben's button goes off and he is told.
    await host.click(`[data-testid="hand-queue-entry"][data-name="Ben"] ${byTestId('lower-hand')}`);
    await ben.waitFor('[data-testid="toggle-hand"][data-state="off"]');
    await waitFor(
      () => ben.texts(byTestId('toast')),
      (texts) => texts.some((text) => text.includes('A moderator lowered your hand')),
      'lowered toast',
    );
    await waitFor(
      () => host.count(entries),
      (n) => n === 1,
      'one raised hand left',
    );

    // A reaction shows on Ann's tile on the others' screens.
    await ann.click(byTestId('reactions-toggle'));
    await ann.click('[data-testid="reaction"][data-reaction="clap"]');
    const shown = `${tile('Ann')} ${byTestId('tile-reaction')}`;
    await host.waitFor(shown);
    expect(await host.text(shown)).toBe('👏');
  });

  it('speaks German when chosen, remembers it, and features a speaker or a pinned tile', async () => {
    const room = `lang-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await host.goto(`/room/${room}`);
    // Pre-join: the devices are listed and can be chosen; the microphone level is shown.
    await waitFor(
      () => host.count('[data-testid="camera-select"] option'),
      (n) => n > 0,
      'cameras',
    );
    const camera = await host.attribute('[data-testid="camera-select"] option', 'value');
    await host.select(byTestId('camera-select'), camera ?? '');
    await host.waitFor('.tile--preview video');
    expect(await host.count('[data-testid="mic-select"] option')).toBeGreaterThan(0);
    // The fake microphone beeps: the live meter must move, or people cannot check their microphone.
    await waitFor(
      () =>
        host.evaluate(
          (selector: string) => document.querySelector<HTMLMeterElement>(selector)?.value ?? 0,
          byTestId('mic-level'),
        ),
      (level) => level > 10,
      'the microphone level meter moves',
    );
    await host.select(byTestId('language'), 'de');
    await waitFor(
      () => host.evaluate(() => document.documentElement.lang),
      (lang) => lang === 'de',
      'lang',
    );
    expect(await host.text(byTestId('join'))).toContain('Konferenz beitreten');
    await host.reload();
    await host.waitFor(byTestId('join'));
    expect(await host.text(byTestId('join'))).toContain('Konferenz beitreten');
    expect(await host.evaluate(() => localStorage.getItem('parley.language'))).toBe('de');
    await enter(host, room, 'Host Hana', { camera: false });
    const guest = await suite.open();
    await enter(guest, room, 'Gina', { camera: false });
    await host.waitFor(tile('Gina'));
    expect(await host.attribute(byTestId('toggle-mic'), 'aria-label')).toBe('Mikrofon');

    // Pinning Gina puts her on the stage; the grid holds the rest.
    await host.hover(tile('Gina'));
    await host.click(`${tile('Gina')} ${byTestId('pin')}`);
    await host.waitFor(`.stage ${tile('Gina')}`);
    await host.click(`${tile('Gina')} ${byTestId('pin')}`);
    await host.waitFor(`.stage ${tile('Gina')}`, { state: 'detached' });
    // Speaker view features the other person, not oneself.
    await host.click(byTestId('layout-speaker'));
    await host.waitFor(`.stage ${tile('Gina')}`);
    // The help lists the shortcuts; Escape closes it.
    await host.press('?');
    await host.waitFor(byTestId('shortcuts-dialog'));
    await host.press('Escape');
    await host.waitFor(byTestId('shortcuts-dialog'), { state: 'detached' });
    // On a phone-sized screen nothing sticks out sideways and every control stays on screen.
    await host.setViewport(390, 844);
    // The secondary controls sit behind "More" there (CONTRACT.md: one click on the opener).
    await host.click(byTestId('more-toggle'));
    await host.click(byTestId('layout-speaker'));
    await waitFor(
      () => host.evaluate(() => document.documentElement.scrollWidth),
      (width) => width <= 390,
      'no horizontal scrolling',
    );
    for (const id of [
      'toggle-mic',
      'toggle-camera',
      'toggle-screen',
      'toggle-hand',
      'chat-toggle',
      'leave',
      'language',
    ]) {
      const box = await host.box(byTestId(id));
      expect(box, id).not.toBeNull();
      expect(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, id).toBe(true);
    }
    await host.setViewport(1280, 800);
    // Typing M in the chat does not switch the microphone.
    const before = await host.attribute(byTestId('toggle-mic'), 'data-state');
    await openPanel(host, 'chat-toggle');
    await host.click(byTestId('chat-input'));
    await host.press('m');
    expect(await host.evaluate(() => document.querySelector<HTMLTextAreaElement>('#chat-input')?.value)).toBe(
      'm',
    );
    expect(await host.attribute(byTestId('toggle-mic'), 'data-state')).toBe(before);
  });

  it('switches microphone, camera, screen sharing and the chat from the keyboard', async () => {
    const room = `keys-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    await host.waitFor('[data-testid="toggle-camera"][data-state="on"]');
    const mic = await host.attribute(byTestId('toggle-mic'), 'data-state');
    const flipped = (value: string | null) => (value === 'on' ? 'off' : 'on');
    await host.press('m');
    await host.waitFor(`[data-testid="toggle-mic"][data-state="${flipped(mic)}"]`);
    await host.press('v');
    await host.waitFor('[data-testid="toggle-camera"][data-state="off"]');
    await host.press('v');
    await host.waitFor('[data-testid="toggle-camera"][data-state="on"]');
    if (screenShareWorksIn(browser)) {
      // Chromium's fake capture UI picks a screen at once, so S starts sending it.
      await host.press('s');
      await host.waitFor('[data-testid="toggle-screen"][data-state="on"]');
      await host.press('s');
      await host.waitFor('[data-testid="toggle-screen"][data-state="off"]');
    }
    await host.press('c');
    await host.waitFor(byTestId('chat-input'));
    expect(await host.attribute(byTestId('toggle-hand'), 'data-state')).toBe('off');
  });
});

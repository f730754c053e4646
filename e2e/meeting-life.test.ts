import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, openPanel, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'lively-host', password: 'lively password 123' });
const HOST = suite.host;

describe('meeting life in the browser', () => {
  it('queues raised hands in order for moderators, lets them lower one, and shows reactions', async () => {
    const room = `life-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana', { camera: false });
    const ann = await suite.people.open();
    await enter(ann, room, 'Ann', { camera: false });
    const ben = await suite.people.open();
    await enter(ben, room, 'Ben', { camera: false });
    await host.locator(tile('Ben')).waitFor();
    await host.locator(tile('Ann')).waitFor();

    // Ben raises his hand with the keyboard shortcut, Ann with the button.
    await ben.locator(tile('Ben')).waitFor();
    await ben.keyboard.press('h');
    await ben.locator('[data-testid="toggle-hand"][data-state="on"]').waitFor();
    expect(await ben.getByTestId('toggle-hand').getAttribute('aria-pressed')).toBe('true');
    await host.locator(`${tile('Ben')}[data-hand="on"]`).waitFor();
    await ann.getByTestId('toggle-hand').click();
    await host.locator(`${tile('Ann')}[data-hand="on"]`).waitFor();

    // The host is told, and sees the queue in the order the hands went up.
    await waitFor(
      () => host.getByTestId('toast').allTextContents(),
      (texts) => texts.some((text) => text.includes('Ann raised their hand')),
      'raised-hand toast',
    );
    await openPanel(host, 'participants-toggle');
    const entries = host.getByTestId('hand-queue-entry');
    await waitFor(
      () => entries.count(),
      (n) => n === 2,
      'two raised hands',
    );
    expect(await entries.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-name')))).toEqual([
      'Ben',
      'Ann',
    ]);

    // The host lowers Ben's hand; Ben's button goes off and he is told.
    await host.locator('[data-testid="hand-queue-entry"][data-name="Ben"]').getByTestId('lower-hand').click();
    await ben.locator('[data-testid="toggle-hand"][data-state="off"]').waitFor();
    await waitFor(
      () => ben.getByTestId('toast').allTextContents(),
      (texts) => texts.some((text) => text.includes('A moderator lowered your hand')),
      'lowered toast',
    );
    await waitFor(
      () => entries.count(),
      (n) => n === 1,
      'one raised hand left',
    );

    // A reaction shows on Ann's tile on the others' screens.
    await ann.getByTestId('reactions-toggle').click();
    await ann.locator('[data-testid="reaction"][data-reaction="clap"]').click();
    const shown = host.locator(tile('Ann')).getByTestId('tile-reaction');
    await shown.waitFor();
    expect(await shown.textContent()).toBe('👏');
    for (const page of [host, ann, ben]) await page.context().close();
  });

  it('speaks German when chosen, remembers it, and features a speaker or a pinned tile', async () => {
    const room = `lang-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await host.goto(`/room/${room}`);
    // Pre-join: the devices are listed and can be chosen; the microphone level is shown.
    await waitFor(
      () => host.locator('[data-testid="camera-select"] option').count(),
      (n) => n > 0,
      'cameras',
    );
    const camera = await host.locator('[data-testid="camera-select"] option').first().getAttribute('value');
    await host.getByTestId('camera-select').selectOption(camera ?? '');
    await host.locator('.tile--preview video').waitFor();
    expect(await host.locator('[data-testid="mic-select"] option').count()).toBeGreaterThan(0);
    // The fake microphone beeps: the live meter must move, or people cannot check their microphone.
    await waitFor(
      () => host.getByTestId('mic-level').evaluate((meter) => (meter as HTMLMeterElement).value),
      (level) => level > 10,
      'the microphone level meter moves',
    );
    await host.getByTestId('language').selectOption('de');
    await waitFor(
      () => host.evaluate(() => document.documentElement.lang),
      (lang) => lang === 'de',
      'lang',
    );
    expect(await host.getByTestId('join').textContent()).toContain('Konferenz beitreten');
    await host.reload();
    await host.getByTestId('join').waitFor();
    expect(await host.getByTestId('join').textContent()).toContain('Konferenz beitreten');
    expect(await host.evaluate(() => localStorage.getItem('parley.language'))).toBe('de');
    await enter(host, room, 'Host Hana', { camera: false });
    const guest = await suite.people.open();
    await enter(guest, room, 'Gina', { camera: false });
    await host.locator(tile('Gina')).waitFor();
    expect(await host.getByTestId('toggle-mic').getAttribute('aria-label')).toBe('Mikrofon');

    // Pinning Gina puts her on the stage; the grid holds the rest.
    await host.locator(tile('Gina')).hover();
    await host.locator(tile('Gina')).getByTestId('pin').click();
    await host.locator(`.stage ${tile('Gina')}`).waitFor();
    await host.locator(tile('Gina')).getByTestId('pin').click();
    await host.locator(`.stage ${tile('Gina')}`).waitFor({ state: 'detached' });
    // Speaker view features the other person, not oneself.
    await host.getByTestId('layout-speaker').click();
    await host.locator(`.stage ${tile('Gina')}`).waitFor();
    // The help lists the shortcuts; Escape closes it.
    await host.keyboard.press('?');
    await host.getByTestId('shortcuts-dialog').waitFor();
    await host.keyboard.press('Escape');
    await host.getByTestId('shortcuts-dialog').waitFor({ state: 'detached' });
    // On a phone-sized screen nothing sticks out sideways and every control stays on screen.
    await host.setViewportSize({ width: 390, height: 844 });
    // The secondary controls sit behind "More" there (CONTRACT.md: one click on the opener).
    await host.getByTestId('more-toggle').click();
    await host.getByTestId('layout-speaker').click();
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
      const box = await host.getByTestId(id).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, id).toBe(true);
    }
    await host.setViewportSize({ width: 1280, height: 800 });
    // Typing M in the chat does not switch the microphone.
    const before = await host.getByTestId('toggle-mic').getAttribute('data-state');
    await openPanel(host, 'chat-toggle');
    await host.getByTestId('chat-input').type('m');
    expect(await host.getByTestId('toggle-mic').getAttribute('data-state')).toBe(before);
    for (const page of [host, guest]) await page.context().close();
  });

  it('switches microphone, camera, screen sharing and the chat from the keyboard', async () => {
    const room = `keys-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, HOST.username, HOST.password);
    await enter(host, room, 'Host Hana');
    await host.locator('[data-testid="toggle-camera"][data-state="on"]').waitFor();
    const state = (id: string) => host.getByTestId(id).getAttribute('data-state');
    const mic = await state('toggle-mic');
    const flipped = (value: string | null) => (value === 'on' ? 'off' : 'on');
    await host.keyboard.press('m');
    await host.locator(`[data-testid="toggle-mic"][data-state="${flipped(mic)}"]`).waitFor();
    await host.keyboard.press('v');
    await host.locator('[data-testid="toggle-camera"][data-state="off"]').waitFor();
    await host.keyboard.press('v');
    await host.locator('[data-testid="toggle-camera"][data-state="on"]').waitFor();
    // Chromium's fake capture UI picks a screen at once, so S starts sending it.
    await host.keyboard.press('s');
    await host.locator('[data-testid="toggle-screen"][data-state="on"]').waitFor();
    await host.keyboard.press('s');
    await host.locator('[data-testid="toggle-screen"][data-state="off"]').waitFor();
    await host.keyboard.press('c');
    await host.getByTestId('chat-input').waitFor();
    expect(await state('toggle-hand')).toBe('off');
  });
});

import { describe, expect, it } from 'vitest';
import { tile } from './support/meeting.js';
import { byTestId, type Person } from './support/person.js';
import { attributeBecomes, enter, roomSuite, videoKeepsPlaying } from './support/room-suite.js';

// Screen sharing from and to Firefox (issue 14). Headless Firefox has no screen, so the sharer's
// Firefox opens real windows on a virtual display (Debian's xvfb, started by the test); the viewers
// are a Chromium host and a headless Firefox. Runs in the `e2e-firefox` project (vitest.config.ts).
const suite = roomSuite({ username: 'screen-host', password: 'screens in firefox' }, 'firefox');

const screenTile = (name: string) => `[data-testid="screen-tile"][data-name="${name}"]`;

async function share(person: Person, on: boolean): Promise<void> {
  await person.click(byTestId('toggle-screen'));
  await attributeBecomes(person, byTestId('toggle-screen'), 'data-state', on ? 'on' : 'off');
}

describe('screen sharing with Firefox', () => {
  it('a Firefox guest shares a screen that Chromium and Firefox see, then sees the host’s share', {
    timeout: 180_000,
  }, async () => {
    const room = `screens-${Date.now().toString(36)}`;
    const host = await suite.open('chromium');
    await suite.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Chromia');
    const fiona = await suite.open('firefox', { screen: true });
    await enter(fiona, room, 'Fiona Firefox');
    const felix = await suite.open('firefox');
    await enter(felix, room, 'Felix Firefox');
    await videoKeepsPlaying(host, tile('Fiona Firefox'));

    // Fiona (Firefox, with a screen) shares: both others decode her screen beside her camera.
    await share(fiona, true);
    await videoKeepsPlaying(host, screenTile('Fiona Firefox'));
    await videoKeepsPlaying(felix, screenTile('Fiona Firefox'));
    await videoKeepsPlaying(host, tile('Fiona Firefox'));
    // The share is the virtual display (1280 × 720), not the 640 × 480 fake camera.
    const shown = await host.evaluate((selector) => {
      const video = document.querySelector<HTMLVideoElement>(`${selector} video`);
      return video ? { width: video.videoWidth, height: video.videoHeight } : null;
    }, screenTile('Fiona Firefox'));
    console.log(`firefox screen share decoded by chromium at ${JSON.stringify(shown)}`);
    expect(shown?.width).toBeGreaterThan(shown?.height ?? Number.POSITIVE_INFINITY);
    expect(shown?.height).not.toBe(480);

    // She stops: the screen tile goes away on every screen, her camera tile stays.
    await share(fiona, false);
    await host.waitFor(screenTile('Fiona Firefox'), { state: 'detached' });
    await felix.waitFor(screenTile('Fiona Firefox'), { state: 'detached' });
    await videoKeepsPlaying(felix, tile('Fiona Firefox'));

    // The Chromium host shares: both Firefox people decode it.
    await share(host, true);
    await videoKeepsPlaying(fiona, screenTile('Host Chromia'));
    await videoKeepsPlaying(felix, screenTile('Host Chromia'));
  });
});

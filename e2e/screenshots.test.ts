import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

/**
 * Screenshots for the README (docs/screenshots/*.png). Not part of the normal run, as it rewrites
 * files in docs/: `PARLEY_SCREENSHOTS=1 npx vitest run --project e2e e2e/screenshots.test.ts`.
 */
const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const suite = meetingSuite({ username: 'screenshot-host', password: 'screenshot password 1' });

describe.runIf(process.env.PARLEY_SCREENSHOTS === '1')('screenshots', () => {
  it('shows home, pre-join and a four-person room', async () => {
    mkdirSync(OUT, { recursive: true });
    const host = await suite.people.open();
    await host.setViewportSize({ width: 1280, height: 800 });
    await host.goto('/');
    await host.getByTestId('join-room-input').waitFor();
    await host.screenshot({ path: `${OUT}home.png` });

    await suite.people.signIn(host, suite.host.username, suite.host.password);
    const room = `team-${Date.now().toString(36)}`;
    await host.goto(`/room/${room}`);
    await host.locator('.tile--preview video').waitFor();
    await host.getByTestId('display-name').fill('Hana');
    await host.screenshot({ path: `${OUT}prejoin.png` });
    await host.getByTestId('join').click();

    const names = ['Ben', 'Chiara', 'Deniz'];
    const guests = [];
    for (const name of names) {
      const guest = await suite.people.open();
      await enter(guest, room, name, { camera: name !== 'Deniz' });
      guests.push(guest);
    }
    for (const name of names) await host.locator(tile(name)).waitFor();
    await guests[1]?.getByTestId('toggle-hand').click();
    await host.locator(`${tile('Chiara')}[data-hand="on"]`).waitFor();
    await waitFor(
      () => host.locator('[data-testid="tile"] video').count(),
      (count) => count >= 3,
      'three camera videos',
    );
    // Let the toasts about arrivals go by before the picture.
    await host.getByTestId('toast').first().waitFor({ state: 'detached', timeout: 15000 });
    await host.screenshot({ path: `${OUT}room.png` });

    await host.setViewportSize({ width: 390, height: 844 });
    await host.screenshot({ path: `${OUT}room-phone.png` });
  });
});

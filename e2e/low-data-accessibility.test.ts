import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

// Issue 15, point 6, for low-data mode and per-person volume: axe finds nothing serious with every
// new control on screen and switched (both languages, both colour schemes), and the texts are there
// in German. Evaluated over the DevTools protocol, as in accessibility.test.ts.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const suite = meetingSuite({ username: 'axe-lowdata-host', password: 'axe lowdata password 1' });

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (d: Document, o: object) => Promise<{ violations: unknown[] }> } }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations;
  })) as { id: string; impact: string | null; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const TEXTS = {
  en: { audioOnly: 'Audio only', volume: 'Volume of Gina', mutedForMe: 'Muted for me' },
  de: { audioOnly: 'Nur Ton', volume: 'Lautstärke von Gina', mutedForMe: 'Für mich stumm' },
};

describe('low-data mode and per-person volume: accessibility', () => {
  for (const language of ['en', 'de'] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`has no serious axe findings with every new control switched (${language}, ${colorScheme})`, async () => {
        const room = `axe-low-${language}-${colorScheme}-${Date.now().toString(36)}`;
        const page = await suite.people.open();
        await page.context().addInitScript((code) => localStorage.setItem('parley.language', code), language);
        await page.emulateMedia({ colorScheme });
        await suite.people.signIn(page, suite.host.username, suite.host.password);
        await enter(page, room, 'Axel', { camera: false });
        const guest = await suite.people.open();
        await enter(guest, room, 'Gina');
        await page.locator(`${tile('Gina')} video`).waitFor();

        await page.getByTestId('receive-video').click();
        await page.getByTestId('low-data-toggle').click();
        await page.getByTestId('data-saver').click();
        await page.getByTestId('send-video').click();
        await page.getByTestId('low-data-state').waitFor();
        expect(await page.getByTestId('low-data-state').textContent()).toContain(TEXTS[language].audioOnly);
        await page.locator(`${tile('Gina')} [data-testid="tile-audio-only"]`).waitFor();
        await page.getByTestId('participants-toggle').click();
        const row = page.locator('[data-testid="participant"][data-name="Gina"]');
        await row.getByTestId('mute-for-me').click();
        await row.getByText(TEXTS[language].mutedForMe).waitFor();
        expect(await row.getByTestId('volume').getAttribute('aria-label')).toBe(TEXTS[language].volume);
        expect(await seriousViolations(page)).toEqual([]);
        // Un-muted, the slider is enabled again and still clean.
        await row.getByTestId('mute-for-me').click();
        expect(await row.getByTestId('volume').isEnabled()).toBe(true);
        expect(await seriousViolations(page)).toEqual([]);
      });
    }
  }
});

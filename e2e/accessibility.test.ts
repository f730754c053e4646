import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

// Evaluated over the DevTools protocol: the pages' Content-Security-Policy rightly blocks injected <script>s.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const suite = meetingSuite({ username: 'axe-host', password: 'axe password 12345' });

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe (WCAG 2.0/2.1 A and AA rules) on the page as it is; returns the serious and critical findings. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations;
  });
  return (violations as Violation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function personIn(language: 'en' | 'de', colorScheme: 'light' | 'dark'): Promise<Page> {
  const page = await suite.people.open();
  await page.context().addInitScript((code) => localStorage.setItem('parley.language', code), language);
  await page.emulateMedia({ colorScheme });
  return page;
}

describe('accessibility (axe)', () => {
  for (const language of ['en', 'de'] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`finds no serious problems on home, privacy, admin, pre-join and room pages (${language}, ${colorScheme})`, async () => {
        const page = await personIn(language, colorScheme);
        const found: Record<string, string[]> = {};

        await page.goto('/');
        await page.getByTestId('join-room-input').waitFor();
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(language);
        found.home = await seriousViolations(page);

        await page.goto('/privacy');
        await page.getByTestId('inventory-item').first().waitFor();
        found.privacy = await seriousViolations(page);

        const room = `axe-${language}-${colorScheme}-${Date.now().toString(36)}`;
        await suite.people.signIn(page, suite.host.username, suite.host.password);
        // The host is an administrator: the admin page, with a deletion being confirmed.
        await suite.server.addUser(`axe-${language}-${colorScheme}`, 'axe password 12345');
        await page.goto('/admin');
        await page.getByTestId('admin-delete').first().click();
        await page.getByTestId('admin-delete-confirm').waitFor();
        found.admin = await seriousViolations(page);

        await page.goto(`/room/${room}`);
        await page.getByTestId('join').waitFor();
        found.prejoin = await seriousViolations(page);

        await enter(page, room, 'Axel', { camera: false });
        await page.locator(tile('Axel')).waitFor();
        found.room = await seriousViolations(page);
        await page.getByTestId('participants-toggle').click();
        await page.getByTestId('participant').first().waitFor();
        await page.getByTestId('toggle-hand').click();
        await page.getByTestId('hand-queue-entry').waitFor();
        found.participants = await seriousViolations(page);
        await page.getByTestId('reactions-toggle').click();
        await page.getByTestId('reaction').first().waitFor();
        found.reactions = await seriousViolations(page);
        await page.getByTestId('shortcuts-help').click();
        await page.getByTestId('shortcuts-dialog').waitFor();
        found.shortcuts = await seriousViolations(page);

        expect(found).toEqual({
          home: [],
          privacy: [],
          admin: [],
          prejoin: [],
          room: [],
          participants: [],
          reactions: [],
          shortcuts: [],
        });
        await page.context().close();
      });
    }
  }
});

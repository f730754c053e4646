import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const suite = meetingSuite({ username: 'phone-host', password: 'phone password 12345' });

/** Always in the toolbar, phone or not. */
const MAIN = [
  'toggle-mic',
  'toggle-camera',
  'participants-toggle',
  'chat-toggle',
  'security-toggle',
  'leave',
];
/** Behind "More" on a phone. */
const SECONDARY = [
  'toggle-screen',
  'toggle-hand',
  'reactions-toggle',
  'layout-speaker',
  'hide-self',
  'shortcuts-help',
  'receive-video',
  'low-data-toggle',
];

async function visible(page: Page, ids: string[]): Promise<Record<string, boolean>> {
  const result: Record<string, boolean> = {};
  for (const id of ids) result[id] = await page.getByTestId(id).isVisible();
  return result;
}

/** The test id of the element that has the keyboard focus. */
const focused = (page: Page) => () =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/** Whether every control behind "More" is out of sight. */
const hidden = (page: Page) => async () =>
  Object.values(await visible(page, SECONDARY)).every((shown) => !shown);

const all = (ids: string[], value: boolean) => Object.fromEntries(ids.map((id) => [id, value]));

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
  })) as { id: string; impact: string | null }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
}

describe('the toolbar on a phone-sized screen (390 × 844)', () => {
  it('keeps one row of main controls and opens the others from "More", by mouse and keyboard', async () => {
    const page = await suite.people.open();
    await page.setViewportSize({ width: 390, height: 844 });
    await suite.people.signIn(page, suite.host.username, suite.host.password);
    const room = `phone-${Date.now().toString(36)}`;
    await enter(page, room, 'Pia', { camera: false });
    await page.locator(tile('Pia')).waitFor();

    expect(await visible(page, [...MAIN, 'more-toggle'])).toEqual(all([...MAIN, 'more-toggle'], true));
    expect(await visible(page, SECONDARY)).toEqual(all(SECONDARY, false));
    // One row: every visible control sits on the same line.
    const tops = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('.toolbar > .control'))
        .filter((control) => control.offsetParent !== null)
        .map((control) => control.getBoundingClientRect().top),
    );
    expect(new Set(tops).size).toBe(1);

    // One click shows every control behind it, and they work.
    await page.getByTestId('more-toggle').click();
    expect(await visible(page, SECONDARY)).toEqual(all(SECONDARY, true));
    expect(await page.getByTestId('more-toggle').getAttribute('aria-expanded')).toBe('true');
    await page.getByTestId('toggle-hand').click();
    await page.locator(`${tile('Pia')}[data-hand="on"]`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Escape closes it and gives the focus back to "More".
    await page.getByTestId('toggle-hand').focus();
    await page.keyboard.press('Escape');
    await waitFor(hidden(page), (gone) => gone, 'the menu closed by Escape');
    await waitFor(focused(page), (id) => id === 'more-toggle', 'focus back on "More"');
    // The keyboard opens it too; focus moves into it.
    await page.keyboard.press('Enter');
    await page.getByTestId('toggle-screen').waitFor();
    // The menu moves the focus once it has rendered.
    await waitFor(focused(page), (id) => id === 'toggle-screen', 'focus on the first control inside');
    // A tap elsewhere closes it: on the visible top of the tile, since the menu covers its middle.
    await page.locator(tile('Pia')).click({ position: { x: 20, y: 20 } });
    await waitFor(hidden(page), (gone) => gone, 'the menu closed by a click elsewhere');

    // A wide window needs no "More": everything is in the toolbar.
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await page.getByTestId('more-toggle').isVisible()).toBe(false);
    expect(await visible(page, [...MAIN, ...SECONDARY])).toEqual(all([...MAIN, ...SECONDARY], true));
  });
});

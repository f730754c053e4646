import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

const suite = meetingSuite({ username: 'poll-host', password: 'poll password 12345' });

/** Every WebSocket frame the page sends and receives (what the server is given, and what it relays). */
function tapSockets(page: Page): { sent: string[]; received: string[] } {
  const tap = { sent: [] as string[], received: [] as string[] };
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => tap.sent.push(String(frame.payload)));
    socket.on('framereceived', (frame) => tap.received.push(String(frame.payload)));
  });
  return tap;
}

/** Opens the new-poll form; on a narrow window the control sits behind "More". */
async function openPollForm(page: Page): Promise<void> {
  if (!(await page.getByTestId('poll-create').isVisible())) await page.getByTestId('more-toggle').click();
  await page.getByTestId('poll-create').click();
  await page.getByTestId('poll-question').waitFor();
}

async function createPoll(
  page: Page,
  question: string,
  answers: string[],
  options: { anonymous?: boolean; live?: boolean } = {},
): Promise<void> {
  await openPollForm(page);
  await page.getByTestId('poll-question').fill(question);
  expect(await page.getByTestId('poll-option').count()).toBeGreaterThanOrEqual(2);
  while ((await page.getByTestId('poll-option').count()) < answers.length)
    await page.getByTestId('poll-add-option').click();
  for (const [index, answer] of answers.entries())
    await page.getByTestId('poll-option').nth(index).fill(answer);
  if (options.anonymous) await page.getByTestId('poll-anonymous').check();
  if (options.live === false) await page.getByTestId('poll-live').uncheck();
  expect(await seriousViolations(page), 'axe on the new-poll form').toEqual([]);
  await page.getByTestId('poll-start').click();
  await page.getByTestId('poll-question').waitFor({ state: 'detached' });
}

const openPoll = (page: Page) => page.locator('[data-testid="poll"][data-state="open"]');

async function vote(page: Page, option: number): Promise<void> {
  await openPoll(page).locator(`[data-testid="poll-vote"][data-option="${option}"]`).click();
}

/** The votes each answer shows on this screen, by `data-option`; null while no results are shown. */
async function results(page: Page): Promise<number[] | null> {
  return page.evaluate(() => {
    const poll = document.querySelector('[data-testid="poll"]');
    const shown = Array.from(poll?.querySelectorAll('[data-testid="poll-result"]') ?? []);
    if (shown.length === 0) return null;
    const counts: number[] = [];
    for (const result of shown)
      counts[Number(result.getAttribute('data-option'))] = Number(result.getAttribute('data-votes'));
    return counts;
  });
}

async function resultsBecome(page: Page, wanted: number[] | null, who: string): Promise<void> {
  await waitFor(
    () => results(page),
    (counts) => JSON.stringify(counts) === JSON.stringify(wanted),
    `${who} showing ${JSON.stringify(wanted)}`,
  );
}

async function meeting(prefix: string) {
  const room = `${prefix}-${Date.now().toString(36)}`;
  const host = await suite.people.open();
  const ann = await suite.people.open();
  const ben = await suite.people.open();
  const taps = [host, ann, ben].map(tapSockets);
  await suite.people.signIn(host, suite.host.username, suite.host.password);
  await enter(host, room, 'Host Hana', { camera: false });
  await enter(ann, room, 'Guest Ann', { camera: false });
  await enter(ben, room, 'Guest Ben', { camera: false });
  for (const page of [host, ann, ben]) await page.locator(tile('Guest Ben')).waitFor();
  await host.locator(tile('Guest Ann')).waitFor();
  return { room, host, ann, ben, taps };
}

async function e2eeOn(page: Page): Promise<void> {
  await page.locator('[data-testid="e2ee-state"][data-state="on"]').waitFor({ timeout: 30_000 });
}

describe('polls', () => {
  it('with E2EE on: the host asks, guests vote and change their vote, a late joiner sees it; the server sees no poll text', async () => {
    const { room, host, ann, ben, taps } = await meeting('polls-e2ee');
    await host.getByTestId('e2ee-toggle').click();
    for (const page of [host, ann, ben]) await e2eeOn(page);
    // Guests cannot start polls.
    expect(await ann.getByTestId('poll-create').count()).toBe(0);

    await createPoll(host, 'Marker-Question lunch today?', ['Marker-Pizza', 'Marker-Soup', 'Marker-Salad']);
    for (const page of [host, ann, ben]) await openPoll(page).waitFor();
    expect(await ann.locator('[data-testid="poll"] [data-testid="poll-vote"]').count()).toBe(3);
    expect(await openPoll(ben).textContent()).toContain('Marker-Question lunch today?');
    expect(await ann.getByTestId('poll-close').count()).toBe(0);

    await vote(ann, 1);
    await vote(ben, 0);
    await vote(host, 2);
    await resultsBecome(host, [1, 1, 1], 'the host');
    // Ben changes his mind: the last vote counts, once.
    await vote(ben, 1);
    for (const [page, who] of [
      [host, 'the host'],
      [ann, 'Ann'],
      [ben, 'Ben'],
    ] as const)
      await resultsBecome(page, [0, 2, 1], who);
    expect(await seriousViolations(ann), 'axe with a poll on screen').toEqual([]);

    // A late joiner gets the open poll and the creator's count once in the encrypted group.
    const late = await suite.people.open();
    const lateTap = tapSockets(late);
    await enter(late, room, 'Late Lou', { camera: false });
    await e2eeOn(late);
    await openPoll(late).waitFor({ timeout: 20_000 });
    await resultsBecome(late, [0, 2, 1], 'the late joiner');
    await vote(late, 0);
    await resultsBecome(host, [1, 2, 1], 'the host after the late vote');

    await host.getByTestId('poll-close').click();
    for (const page of [host, ann, ben, late]) {
      await page.locator('[data-testid="poll"][data-state="closed"]').waitFor();
      await resultsBecome(page, [1, 2, 1], 'a screen after the close');
      expect(await page.locator('[data-testid="poll-vote"]:not([disabled])').count()).toBe(0);
    }

    // What the server was given and what it relayed: ciphertext only, no poll in the clear.
    const frames = [...taps, lateTap].flatMap((tap) => [...tap.sent, ...tap.received]);
    expect(frames.some((f) => f.includes('"e2ee-chat-send"'))).toBe(true);
    for (const frame of frames) {
      expect(frame).not.toMatch(/Marker-|lunch today|"poll-send"|"poll-message"|"poll-vote"|"poll-open"/);
    }
    expect(suite.server.output()).toContain('meeting opened'); // the log is really captured
    expect(suite.server.output()).not.toMatch(/Marker-|lunch today/);
  });

  it('without E2EE: an anonymous poll shows counts only at the close; the server logs no poll text', async () => {
    const { host, ann, ben, taps } = await meeting('polls-clear');
    await createPoll(host, 'Marker-Plain which day?', ['Marker-Monday', 'Marker-Friday'], {
      anonymous: true,
      live: false,
    });
    for (const page of [ann, ben]) await openPoll(page).waitFor();
    expect(await openPoll(ann).textContent()).toContain('Anonymous');
    await vote(ann, 1);
    await vote(ben, 1);
    await vote(ben, 0);
    await vote(host, 1);
    // Results at the close: nobody sees counts yet.
    for (const page of [host, ann, ben]) expect(await results(page)).toBeNull();
    // The anonymous votes went to the host only: Ann's page never received Ben's vote.
    await waitFor(
      () => Promise.resolve(taps[0]?.received.filter((f) => f.includes('"poll-vote"')).length ?? 0),
      (n) => n >= 3,
      'the host receiving three votes',
    );
    expect(taps[1]?.received.some((f) => f.includes('"poll-vote"'))).toBe(false);
    await host.getByTestId('poll-close').click();
    for (const [page, who] of [
      [host, 'the host'],
      [ann, 'Ann'],
      [ben, 'Ben'],
    ] as const) {
      await page.locator('[data-testid="poll"][data-state="closed"]').waitFor();
      await resultsBecome(page, [1, 2], who);
    }
    expect(suite.server.output()).not.toMatch(/Marker-|which day/);
  });
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { framesShown, videoKeepsPlaying, waitFor } from './support/browser.js';
import { hostileSuite } from './support/hostile.js';
import { enter, openPanel, tile } from './support/meeting.js';

/**
 * The server is the attacker (issue #12): the delivery service is scripted by the test
 * (packages/server/test/hostile/hostile-delivery.ts, loaded only here). Each test shows what the
 * victims see and that no plaintext is sent or accepted, from the frame worker's own counters:
 * `passed` counts frames let through unencrypted in either direction, `encrypted`/`decrypted` the rest.
 */
const suite = hostileSuite({ username: 'hostile-host', password: 'correct horse battery' });

interface FrameCounters {
  encrypted: number;
  decrypted: number;
  passed: number;
  dropped: number;
}

async function e2eeState(page: Page): Promise<string | null> {
  return page.getByTestId('e2ee-state').getAttribute('data-state');
}

async function counters(page: Page): Promise<FrameCounters> {
  return page.evaluate(() =>
    (window as unknown as { __parleyE2eeTap: () => Promise<FrameCounters> }).__parleyE2eeTap(),
  );
}

async function code(page: Page): Promise<string | null> {
  return page.getByTestId('e2ee-code-value').textContent();
}

/** The alarm of one kind on this page, once shown. */
async function alarm(page: Page, kind: string): Promise<string> {
  const banner = page.locator(`[data-testid="e2ee-alarm-text"][data-kind="${kind}"]`);
  await banner.waitFor({ timeout: 20_000 });
  return (await banner.textContent()) ?? '';
}

/** The alarm of one kind on whichever of these pages shows it (e.g. the member asked to commit). */
async function alarmOnAny(pages: Page[], kind: string): Promise<string> {
  const selector = `[data-testid="e2ee-alarm-text"][data-kind="${kind}"]`;
  return waitFor(
    async () => {
      for (const page of pages) {
        const banner = page.locator(selector);
        if ((await banner.count()) > 0) return (await banner.textContent()) ?? '';
      }
      return '';
    },
    (text) => text !== '',
    `a ${kind} alarm`,
    30_000,
  );
}

async function person(): Promise<Page> {
  const page = await suite.people.open();
  await page.addInitScript(() => localStorage.setItem('parley-e2ee-test-tap', '1'));
  return page;
}

/** A meeting the host (a moderator) encrypts, with the others in it; resolves when all are `on`. */
async function encryptedMeeting(prefix: string, others: string[]): Promise<{ room: string; pages: Page[] }> {
  const room = `${prefix}-${Date.now().toString(36)}`;
  const host = await person();
  await suite.people.signIn(host, suite.host.username, suite.host.password);
  await enter(host, room, 'Host Hana');
  const pages = [host];
  for (const name of others) {
    const page = await person();
    await enter(page, room, name);
    pages.push(page);
  }
  for (const name of others) await host.locator(tile(name)).waitFor();
  await host.getByTestId('e2ee-toggle').click();
  for (const page of pages)
    await waitFor(
      () => e2eeState(page),
      (s) => s === 'on',
      'encrypting',
      60_000,
    );
  return { room, pages };
}

/** Over a window: this page let no frame through unencrypted, and kept encrypting and decrypting. */
async function noPlaintext(page: Page, windowMs = 2000): Promise<void> {
  const before = await counters(page);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = await counters(page);
  expect(after.passed).toBe(before.passed);
  expect(after.encrypted).toBeGreaterThan(before.encrypted);
  expect(after.decrypted).toBeGreaterThan(before.decrypted);
}

async function sameCode(pages: Page[]): Promise<string> {
  const first = pages[0] as Page;
  return waitFor(
    async () => {
      const codes = await Promise.all(pages.map((page) => code(page)));
      return codes.every((c) => c !== null && c === codes[0]) ? (codes[0] as string) : '';
    },
    (c) => c !== '',
    `the same code on every screen (${await first.title()})`,
    20_000,
  );
}

/** Three browsers on a shared machine: generous, since nothing here waits for time to pass by itself. */
const SLOW = 180_000;

describe('E2EE against a hostile server', () => {
  it(
    'invisible listener: a second key package under a present id is refused and named',
    async () => {
      const { room, pages } = await encryptedMeeting('hostile-ghost', ['Guest Gina']);
      const [host, guest] = pages as [Page, Page];
      await suite.attacker.rules([{ kind: 'duplicate-add', victim: 'Guest Gina' }]);
      // A newcomer makes the server ask for a commit: it slips in a ghost leaf for Gina.
      const late = await person();
      await enter(late, room, 'Late Lou');
      expect(await alarmOnAny([host, guest], 'duplicate')).toContain('Guest Gina');
      await waitFor(
        () => e2eeState(late),
        (s) => s === 'on',
        'the newcomer encrypting (without the ghost)',
        20_000,
      );
      // The group holds each person once: the same code everywhere, and nobody got a ghost's keys.
      await sameCode([host, guest, late]);
      await noPlaintext(host);
      await noPlaintext(guest);
    },
    SLOW,
  );

  it(
    '"pending" sent to one encrypting client does not make it accept plaintext',
    async () => {
      const { pages } = await encryptedMeeting('hostile-pending', ['Guest Gina']);
      const [host, guest] = pages as [Page, Page];
      await suite.attacker.inject('Guest Gina', { type: 'e2ee-state', state: 'pending', by: null });
      await noPlaintext(guest);
      expect(await e2eeState(guest)).toBe('on');
      await videoKeepsPlaying(guest, tile('Host Hana'));
      await videoKeepsPlaying(host, tile('Guest Gina'));
    },
    SLOW,
  );

  it(
    '"off" without a member’s signed switch-off, even a flood of them, changes nothing but an alarm',
    async () => {
      const { pages } = await encryptedMeeting('hostile-off', ['Guest Gina']);
      const [host, guest] = pages as [Page, Page];
      await suite.attacker.inject('Guest Gina', { type: 'e2ee-state', state: 'off', by: null });
      await alarm(guest, 'unproven-off');
      // Twenty a second, with forged proofs.
      await suite.attacker.inject(
        'Guest Gina',
        { type: 'e2ee-state', state: 'off', by: null, proof: 'garbage' },
        40,
        50,
      );
      expect(await e2eeState(guest)).toBe('on');
      expect(await guest.getByTestId('e2ee-switched-off').count()).toBe(0);
      await noPlaintext(guest);
      await videoKeepsPlaying(host, tile('Guest Gina'));
    },
    SLOW,
  );

  it(
    'a suppressed execute: clients switch to the new keys on their own when someone leaves',
    async () => {
      const { pages } = await encryptedMeeting('hostile-execute', ['Guest Gina', 'Late Lou']);
      const [host, guest, late] = pages as [Page, Page, Page];
      const before = await sameCode([host, guest, late]);
      await suite.attacker.rules([{ kind: 'drop', type: 'e2ee-execute' }]);
      await late.context().close();
      // No `e2ee-execute` ever comes: within the deadline both switch to keys Lou does not have.
      const after = await waitFor(
        () => sameCode([host, guest]),
        (c) => c !== before,
        'a new code without Lou',
        20_000,
      );
      expect(after).not.toBe(before);
      expect(await host.getByTestId('e2ee-code-reason').textContent()).toContain('Late Lou');
      await noPlaintext(host);
      await videoKeepsPlaying(guest, tile('Host Hana'));
    },
    SLOW,
  );

  it(
    'a suppressed removal: after the deadline clients hold their media and name the leaver',
    async () => {
      const { pages } = await encryptedMeeting('hostile-removal', ['Guest Gina', 'Late Lou']);
      const [host, guest, late] = pages as [Page, Page, Page];
      await suite.attacker.rules([{ kind: 'drop', type: 'e2ee-commit-request' }]);
      await late.context().close();
      expect(await alarm(host, 'rekey-overdue')).toContain('Late Lou');
      expect(await alarm(guest, 'rekey-overdue')).toContain('Late Lou');
      // Held: the keys Lou still has encrypt nothing more, and nothing goes out in the clear instead.
      const heldAt = await counters(host);
      const encryptedAt = heldAt.encrypted;
      const shownAt = await framesShown(guest, tile('Host Hana'));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect((await counters(host)).encrypted).toBe(encryptedAt);
      expect(await framesShown(guest, tile('Host Hana'))).toBeLessThanOrEqual(shownAt + 3);
      expect((await counters(host)).passed).toBe(heldAt.passed);
      expect(await e2eeState(host)).toBe('pending');
    },
    SLOW,
  );

  it(
    'chat: the author shown is the MLS sender, and a rewritten recipient does not make it private',
    async () => {
      const { pages } = await encryptedMeeting('hostile-chat', ['Guest Gina', 'Late Lou']);
      const [host, guest, late] = pages as [Page, Page, Page];
      // The server claims the host wrote it, privately to Lou.
      await suite.attacker.rules([{ kind: 'rewrite-chat', from: 'Host Hana', to: 'Late Lou' }]);
      await openPanel(guest, 'chat-toggle');
      await guest.getByTestId('chat-input').fill('written by gina');
      await guest.getByTestId('chat-send').click();
      await openPanel(late, 'chat-toggle');
      const line = late.locator('[data-testid="chat-message"]', { hasText: 'written by gina' });
      await line.waitFor();
      expect(await line.getAttribute('data-author')).toBe('Guest Gina');
      expect(await line.getAttribute('data-private')).toBe('false');
      await openPanel(host, 'chat-toggle');
      const atHost = host.locator('[data-testid="chat-message"]', { hasText: 'written by gina' });
      await atHost.waitFor();
      expect(await atHost.getAttribute('data-author')).toBe('Guest Gina');
    },
    SLOW,
  );

  it(
    'a garbage commit: the victim says so, rejoins the group and never sends in the clear',
    async () => {
      const { pages } = await encryptedMeeting('hostile-garbage', ['Guest Gina']);
      const [host, guest] = pages as [Page, Page];
      const before = await counters(guest);
      await suite.attacker.garbageCommit('Guest Gina');
      await alarm(guest, 'commit-failed');
      await waitFor(
        () => e2eeState(guest),
        (s) => s === 'on',
        'the victim back in the group',
        20_000,
      );
      await sameCode([host, guest]);
      expect((await counters(guest)).passed).toBe(before.passed);
      await videoKeepsPlaying(host, tile('Guest Gina'));
      await videoKeepsPlaying(guest, tile('Host Hana'));
    },
    SLOW,
  );
});

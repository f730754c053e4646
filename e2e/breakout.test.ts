import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, type Person } from './support/person.js';
import { enter, openPanel, roomSuite, videoKeepsPlaying } from './support/room-suite.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function e2eeState(person: Person): Promise<string | null> {
  return person.attribute(byTestId('e2ee-state'), 'data-state');
}

async function meetingCode(person: Person): Promise<string | null> {
  return person.text(byTestId('e2ee-code-value'));
}

async function encryptionOn(person: Person, what: string): Promise<void> {
  await waitFor(
    () => e2eeState(person),
    (s) => s === 'on',
    what,
    30_000,
  );
}

/** Clicks a room control, opening "More" first where it sits behind it. */
async function clickControl(person: Person, testId: string): Promise<void> {
  if ((await person.box(byTestId(testId))) === null) await person.click(byTestId('more-toggle'));
  await person.click(byTestId(testId));
}

/** Names on the tiles this person sees (own included). */
async function tileNames(person: Person): Promise<string[]> {
  const names = await person.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="tile"]')).map(
      (el) => el.getAttribute('data-name') ?? '',
    ),
  );
  return [...new Set(names)].sort();
}

/** Names the participants panel marks as members of the MLS group of the keys in use. */
async function groupMembers(person: Person): Promise<string[]> {
  await openPanel(person, 'participants-toggle');
  const names = await person.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid="participant"]'))
      .filter((row) => row.querySelector('[data-testid="participant-encrypted"]'))
      .map((row) => row.getAttribute('data-name') ?? ''),
  );
  return names.sort();
}

/**
 * Serious accessibility violations in the participants panel, where the breakout form is (the whole
 * page, with its four video tiles, is checked in accessibility.test.ts; here it took ≈ 10 s a run).
 */
async function seriousViolations(person: Person): Promise<string[]> {
  // The page's evaluate takes source text too (not subject to the page's CSP, unlike eval in it).
  await person.evaluate(AXE_SOURCE as unknown as () => void);
  return person.evaluate(async () => {
    const panel = document.getElementById('participants-panel');
    if (panel === null) return ['the participants panel is not open'];
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Element,
            options: object,
          ) => Promise<{
            violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(panel, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

describe('breakout rooms', () => {
  const suite = roomSuite({ username: 'breakout-host', password: 'breakout password 1' }, 'chromium', {
    testServer: true,
  });

  it('with E2EE on: two rooms at random, each with its own group, a poll in one, a recording in the other, and everyone back encrypted', async () => {
    const room = `breakout-${Date.now().toString(36)}`;
    const host = await suite.open();
    await suite.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'Host Hana');
    const guests: Person[] = [];
    const names = ['Ada', 'Ben', 'Cleo'];
    for (const name of names) {
      const guest = await suite.open();
      await enter(guest, room, name);
      guests.push(guest);
    }
    const everyone = [host, ...guests];
    const allNames = ['Host Hana', ...names];
    for (const person of everyone) await person.waitFor(tile('Cleo'));
    await host.click(byTestId('e2ee-toggle'));
    await Promise.all(everyone.map((person, i) => encryptionOn(person, `${allNames[i]} encrypting`)));

    // The form, axe-clean in English and German.
    await openPanel(host, 'participants-toggle');
    await host.click(byTestId('breakout-create'));
    await host.fill(byTestId('breakout-count'), '2');
    expect(await seriousViolations(host)).toEqual([]);
    await host.select(byTestId('language'), 'de');
    await waitFor(
      () => host.evaluate(() => document.documentElement.lang),
      (lang) => lang === 'de',
      'German',
    );
    expect(await host.text(byTestId('breakout-assign-random'))).toBe('Zufällig verteilen');
    expect(await seriousViolations(host)).toEqual([]);
    await host.select(byTestId('language'), 'en');

    await host.click(byTestId('breakout-assign-random'));
    await host.waitFor(byTestId('breakout-assign'));
    await host.click(byTestId('breakout-open'));

    // Every guest moves (no name, no password asked) and sees the room's name in the header.
    const roomOf = new Map<Person, string>();
    for (const [i, guest] of guests.entries()) {
      await guest.waitFor(byTestId('breakout-name'), { timeout: 20_000 });
      const shown = (await guest.text(byTestId('breakout-name'))) ?? '';
      expect(shown, names[i]).toMatch(/Room [12]/);
      roomOf.set(guest, shown.includes('Room 1') ? 'Room 1' : 'Room 2');
    }
    const byRoom = (which: string) => guests.filter((g) => roomOf.get(g) === which);
    expect(byRoom('Room 1').length + byRoom('Room 2').length).toBe(3);
    expect(byRoom('Room 1').length).toBeGreaterThan(0);
    expect(byRoom('Room 2').length).toBeGreaterThan(0);
    // The host joins the smaller room, so each has two people.
    const hostGoesTo = byRoom('Room 1').length === 1 ? 'Room 1' : 'Room 2';
    await host.click(`${byTestId('breakout-room')}[data-name="${hostGoesTo}"] ${byTestId('breakout-visit')}`);
    await host.waitFor(byTestId('breakout-name'), { timeout: 20_000 });
    roomOf.set(host, hostGoesTo);
    const peopleIn = (which: string) => everyone.filter((p) => roomOf.get(p) === which);
    const nameOf = (person: Person) => allNames[everyone.indexOf(person)] ?? '';

    const codes: Record<string, string | null> = {};
    for (const which of ['Room 1', 'Room 2']) {
      const inside = peopleIn(which);
      const insideNames = inside.map(nameOf).sort();
      for (const person of inside) {
        await encryptionOn(person, `${nameOf(person)} encrypting in ${which}`);
        // Only this room's people: no tile (so no frames) of anyone in the other room.
        await waitFor(
          () => tileNames(person),
          (shown) => JSON.stringify(shown) === JSON.stringify(insideNames),
          `${nameOf(person)} sees only ${which}`,
        );
        // The MLS group of the keys in use lists this room's people only.
        await waitFor(
          () => groupMembers(person),
          (members) => JSON.stringify(members) === JSON.stringify(insideNames),
          `${nameOf(person)}'s group is ${which}`,
        );
      }
      const [first, second] = inside as [Person, Person];
      await Promise.all([
        videoKeepsPlaying(first, tile(nameOf(second))),
        videoKeepsPlaying(second, tile(nameOf(first))),
      ]);
      const shared = await waitFor(
        () => Promise.all(inside.map(meetingCode)),
        (shown) => shown[0] !== null && shown.every((c) => c === shown[0]),
        `one code in ${which}`,
      );
      const code = shared[0] ?? null;
      codes[which] = code;
    }
    expect(codes['Room 1']).not.toBe(codes['Room 2']);

    // A poll in the host's breakout room: the host entered after its group was made, and still runs
    // it (a moderator by the server's roster; the votes travel encrypted in that room's group).
    const [voter] = peopleIn(hostGoesTo).filter((p) => p !== host) as [Person];
    await clickControl(host, 'poll-create');
    await host.fill(byTestId('poll-question'), 'Coffee or tea?');
    await host.fill(`${byTestId('poll-option')} >> nth=0`, 'Coffee');
    await host.fill(`${byTestId('poll-option')} >> nth=1`, 'Tea');
    await host.click(byTestId('poll-start'));
    await voter.click(`[data-testid="poll"][data-state="open"] ${byTestId('poll-vote')}[data-option="1"]`);
    await waitFor(
      () => host.attribute(`${byTestId('poll-result')}[data-option="1"]`, 'data-votes'),
      (votes) => votes === '1',
      'the vote counted at the host',
    );
    await host.click(byTestId('poll-close'));
    await voter.waitFor('[data-testid="poll"][data-state="closed"]');
    expect(await voter.attribute(`${byTestId('poll-result')}[data-option="1"]`, 'data-votes')).toBe('1');

    // A recording in the other room: the host visits it, its people consent, the file stays local.
    const otherRoom = hostGoesTo === 'Room 1' ? 'Room 2' : 'Room 1';
    await openPanel(host, 'participants-toggle');
    await host.click(`${byTestId('breakout-room')}[data-name="${otherRoom}"] ${byTestId('breakout-visit')}`);
    await waitFor(
      () => host.text(byTestId('breakout-name')),
      (shown) => shown?.includes(otherRoom) === true,
      `the host in ${otherRoom}`,
      20_000,
    );
    roomOf.set(host, otherRoom);
    await encryptionOn(host, `the host encrypting in ${otherRoom}`);
    const recorded = peopleIn(otherRoom).filter((p) => p !== host);
    await clickControl(host, 'recording-start');
    await Promise.all(
      recorded.map(async (person) => {
        await person.waitFor(byTestId('recording-consent'));
        await person.click(byTestId('recording-accept'));
      }),
    );
    await waitFor(
      () => host.attribute(byTestId('recording-indicator'), 'data-recorder'),
      (state) => state === 'recording',
      'recording',
    );
    await Promise.all(recorded.map((person) => videoKeepsPlaying(host, tile(nameOf(person)))));
    await clickControl(host, 'recording-stop');
    await host.waitFor(byTestId('recording-download'));
    // The page's CSP lets blob: URLs into media elements only: the file is read as a video would be.
    const file = await host.evaluate(async () => {
      const link = document.querySelector<HTMLAnchorElement>('[data-testid="recording-download"]');
      const video = document.createElement('video');
      video.muted = true;
      video.src = link?.href ?? '';
      await new Promise((resolve, reject) => {
        video.onloadedmetadata = resolve;
        video.onerror = () => reject(new Error('the recording does not load as a video'));
      });
      return { href: link?.href ?? '', name: link?.download ?? '', duration: video.duration };
    });
    expect(file.href).toMatch(/^blob:/);
    expect(file.name).toMatch(/\.webm$/);
    expect(Number.isFinite(file.duration) && file.duration > 0.3, String(file.duration)).toBe(true);

    // The host closes the rooms from inside one; everyone is back in the main room, encrypted.
    await openPanel(host, 'participants-toggle');
    await host.click(byTestId('breakout-close'));
    // Everyone at once (a person's checks do not wait on another's).
    await Promise.all(
      everyone.map(async (person) => {
        await person.waitFor(byTestId('breakout-name'), { state: 'detached', timeout: 20_000 });
        await waitFor(
          () => tileNames(person),
          (shown) => shown.length === 4,
          `${nameOf(person)} sees everyone again`,
          30_000,
        );
        await encryptionOn(person, `${nameOf(person)} encrypting in the main room`);
      }),
    );
    await waitFor(
      () => Promise.all(everyone.map(meetingCode)),
      (shown) => shown[0] !== null && shown.every((c) => c === shown[0]),
      'one code in the main room',
    );
    expect(await groupMembers(host)).toEqual([...allNames].sort());
    // Video flows again between every pair, both ways (all twelve at the same time).
    await Promise.all(
      everyone.flatMap((viewer) =>
        everyone
          .filter((shown) => shown !== viewer)
          .map((shown) => videoKeepsPlaying(viewer, tile(nameOf(shown)))),
      ),
    );
  }, 300_000);
});

import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { tile } from './support/meeting.js';
import { byTestId, FIREFOX_MEDIA, type Person } from './support/person.js';
import {
  encodedTransforms,
  enter,
  hearsOthers,
  openPanel,
  roomSuite,
  videoKeepsPlaying,
} from './support/room-suite.js';

// Chromium and Firefox in one meeting (issue 14): a Chromium host and two Firefox guests. Runs in the
// `e2e-firefox` project only (vitest.config.ts), as it needs both browsers.
const suite = roomSuite({ username: 'mixed-host', password: 'mixed meeting 123' }, 'firefox');

interface Someone {
  name: string;
  person: Person;
}

async function meeting(room: string): Promise<Someone[]> {
  const host = await suite.open('chromium');
  await suite.signIn(host, suite.host.username, suite.host.password);
  await enter(host, room, 'Host Chromia');
  const fiona = await suite.open('firefox');
  await enter(fiona, room, 'Fiona Firefox');
  const felix = await suite.open('firefox');
  await enter(felix, room, 'Felix Firefox');
  const everyone = [
    { name: 'Host Chromia', person: host },
    { name: 'Fiona Firefox', person: fiona },
    { name: 'Felix Firefox', person: felix },
  ];
  await Promise.all(
    everyone.flatMap(({ person }) =>
      everyone.map(({ name }) => person.waitFor(tile(name), { timeout: 30_000 })),
    ),
  );
  return everyone;
}

/**
 * Every person sees every other person's camera moving and hears both others: all six directions
 * checked at the same time (each wait has its own timeout; a stalled one still fails).
 */
async function everyoneSeesAndHearsEveryone(everyone: Someone[]): Promise<void> {
  await Promise.all(
    everyone.flatMap(({ person }) =>
      everyone
        .filter(({ person: other }) => other !== person)
        .map(({ name }) => videoKeepsPlaying(person, tile(name))),
    ),
  );
  await Promise.all(everyone.map(({ person }) => hearsOthers(person, everyone.length - 1)));
}

/**
 * Bytes per audio packet of each microphone this person receives, over the next 100 packets of the
 * busiest one: a mono Opus voice at Firefox's default rate is well under 100, stereo about 150.
 */
async function audioBytesPerPacket(person: Person): Promise<number[]> {
  const read = () =>
    person.evaluate(async () => {
      const streams: Record<string, { bytes: number; packets: number }> = {};
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((report) => {
          if (report.type === 'inbound-rtp' && report.kind === 'audio')
            streams[report.id] = { bytes: report.bytesReceived ?? 0, packets: report.packetsReceived ?? 0 };
        });
      }
      return streams;
    });
  const before = await read();
  const packetsSince = (now: Awaited<ReturnType<typeof read>>) =>
    Math.max(0, ...Object.entries(now).map(([id, s]) => s.packets - (before[id]?.packets ?? 0)));
  const after = await waitFor(read, (now) => packetsSince(now) >= 100, '100 audio packets');
  return Object.entries(after)
    .filter(([id]) => before[id] !== undefined)
    .map(([id, s]) => (s.bytes - before[id]!.bytes) / Math.max(1, s.packets - before[id]!.packets));
}

async function e2eeOnEverywhere(everyone: Someone[]): Promise<string | null> {
  await Promise.all(
    everyone.map(({ person }) =>
      waitFor(
        () => person.attribute(byTestId('e2ee-state'), 'data-state'),
        (state) => state === 'on',
        `encrypting at ${person.browser}`,
        30_000,
      ),
    ),
  );
  const code = await everyone[0]!.person.text(byTestId('e2ee-code-value'));
  expect(code).toBeTruthy();
  for (const { person } of everyone)
    await waitFor(
      () => person.text(byTestId('e2ee-code-value')),
      (c) => c === code,
      `the same security code at ${person.browser}`,
    );
  return code;
}

describe('a mixed meeting: a Chromium host and two Firefox guests', () => {
  it('see each other’s tiles, chat both ways, and agree on end-to-end encryption switched on from Firefox', async () => {
    const everyone = await meeting(`mixed-${Date.now().toString(36)}`);
    const [host, fiona, felix] = everyone.map((someone) => someone.person) as [Person, Person, Person];
    for (const { person } of everyone) expect(await person.count(byTestId('tile'))).toBe(3);

    await openPanel(fiona, 'chat-toggle');
    await fiona.fill(byTestId('chat-input'), 'hello from Firefox');
    await fiona.click(byTestId('chat-send'));
    await openPanel(host, 'chat-toggle');
    await host.waitFor('[data-testid="chat-message"][data-author="Fiona Firefox"]');
    await host.fill(byTestId('chat-input'), 'hello from Chromium');
    await host.click(byTestId('chat-send'));
    await openPanel(felix, 'chat-toggle');
    await felix.waitFor('[data-testid="chat-message"][data-author="Host Chromia"]');
    expect(await felix.text('[data-testid="chat-message"][data-author="Fiona Firefox"]')).toContain(
      'hello from Firefox',
    );

    await fiona.click(byTestId('e2ee-toggle'));
    await e2eeOnEverywhere(everyone);
    await fiona.fill(byTestId('chat-input'), 'encrypted hello from Firefox');
    await fiona.click(byTestId('chat-send'));
    await host.waitFor('[data-testid="chat-message"][data-author="Fiona Firefox"]:last-child');
    await waitFor(
      () => host.texts('[data-testid="chat-message"][data-author="Fiona Firefox"]'),
      (texts) => texts.some((text) => text.includes('encrypted hello from Firefox')),
      'the encrypted chat line at the Chromium host',
    );
  });

  // The acceptance test of issue 14. Skipped until media flows to and from Firefox (FIREFOX_MEDIA).
  it.skipIf(!FIREFOX_MEDIA)(
    'everyone sees and hears everyone, then again after a Firefox guest switches on end-to-end encryption',
    async () => {
      const everyone = await meeting(`mixed-media-${Date.now().toString(36)}`);
      await everyoneSeesAndHearsEveryone(everyone);
      // Firefox offers stereo Opus; the SFU answers for mono (a microphone in a meeting), so a Firefox
      // microphone costs each viewer what a Chromium one does, not twice as much.
      const fromFirefox = await audioBytesPerPacket(everyone[0]!.person);
      console.log(`Firefox microphones at the Chromium host: ${fromFirefox.map(Math.round)} bytes/packet`);
      expect(fromFirefox).toHaveLength(2);
      for (const bytes of fromFirefox)
        expect(bytes, `Firefox microphones at the host: ${fromFirefox}`).toBeLessThan(110);

      const fiona = everyone[1]!.person;
      await fiona.click(byTestId('e2ee-toggle'));
      await e2eeOnEverywhere(everyone);
      for (const { person } of everyone) {
        const counted = await encodedTransforms(person);
        expect(counted.senders, person.browser).toBeGreaterThan(0);
        expect(counted.receivers, person.browser).toBeGreaterThan(0);
        expect(counted.missing, person.browser).toBe(0);
      }
      // Receivers accept only frames that decrypt while encrypted: video and sound now mean decrypted.
      await everyoneSeesAndHearsEveryone(everyone);
    },
    // Three browsers sending and receiving video on a 2-core machine: each wait has its own timeout.
    240_000,
  );
});

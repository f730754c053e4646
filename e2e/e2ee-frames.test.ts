import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { framesShown, videoKeepsPlaying, waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

/**
 * Issue 12, attack 5: a hostile SFU moves one person's encrypted frames into another person's tile,
 * or replays a person's earlier frames. Real Chromium against the test server's hostile SFU
 * (packages/server/test/hostile/hostile-sfu.ts). The victim's worker must drop every such frame: the
 * tile under attack shows nothing new while the other tile keeps playing.
 */
const suite = meetingSuite(
  { username: 'frames-host', password: 'correct horse battery' },
  { testServer: true },
);

interface WorkerStats {
  decrypted: number;
  dropped: number;
  drops: { undecryptable: number; foreign: number; replayed: number; clear: number; unbound: number };
}

interface AttackReport {
  injected: number;
  withheld: number;
  recordedFrames: number;
}

/** Opens a page whose participant id (from the server's `joined`) the test learns, with the frame tap on. */
async function openPerson(): Promise<{ page: Page; id: Promise<string> }> {
  const page = await suite.people.open();
  await page.addInitScript(() => localStorage.setItem('parley-e2ee-test-tap', '1'));
  let found: (id: string) => void = () => undefined;
  const id = new Promise<string>((resolve) => {
    found = resolve;
  });
  await page.routeWebSocket(/\/ws$/, (socket) => {
    const server = socket.connectToServer();
    server.onMessage((message) => {
      socket.send(message);
      if (typeof message !== 'string' || !message.includes('"joined"')) return;
      const parsed = JSON.parse(message) as { event?: { type?: string; self?: { id?: string } } };
      if (parsed.event?.type === 'joined' && parsed.event.self?.id) found(parsed.event.self.id);
    });
  });
  return { page, id };
}

/** The victim's worker counters (without the tap's frame samples, which this test does not need). */
async function workerStats(page: Page): Promise<WorkerStats> {
  return page.evaluate(async () => {
    const { decrypted, dropped, drops } = await (
      window as unknown as { __parleyE2eeTap: () => Promise<WorkerStats> }
    ).__parleyE2eeTap();
    return { decrypted, dropped, drops };
  });
}

async function attack(command: Record<string, unknown>): Promise<AttackReport> {
  const response = await fetch(`${suite.server.url}/__test/sfu`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(command),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as AttackReport;
}

async function attackReport(): Promise<AttackReport> {
  return (await (await fetch(`${suite.server.url}/__test/sfu`)).json()) as AttackReport;
}

async function e2eeState(page: Page): Promise<string | null> {
  return page.getByTestId('e2ee-state').getAttribute('data-state');
}

describe('E2EE frames under a hostile SFU', () => {
  it('drops frames moved into another tile and replayed frames; the tile stays as is, other video flows', {
    timeout: 240_000,
  }, async () => {
    const room = `frames-${Date.now().toString(36)}`;
    const alice = await openPerson();
    const bob = await openPerson();
    const vic = await openPerson();
    await suite.people.signIn(alice.page, suite.host.username, suite.host.password);
    await enter(alice.page, room, 'Alice');
    await enter(bob.page, room, 'Bob');
    // The victim only watches (one camera less on a loaded machine).
    await enter(vic.page, room, 'Vic', { camera: false });
    const [aliceId, bobId, vicId] = await Promise.all([alice.id, bob.id, vic.id]);
    await videoKeepsPlaying(vic.page, tile('Alice'));
    await videoKeepsPlaying(vic.page, tile('Bob'));

    // Control, before encryption: the same attack works on an unencrypted meeting. Bob's own frames
    // are withheld, yet Bob's tile keeps showing new frames (Alice's), so the hook really moves video.
    await attack({ action: 'reattribute', victim: vicId, target: bobId, from: aliceId, source: 'camera' });
    await waitFor(attackReport, (r) => r.injected > 50 && r.withheld > 20, 'the moved stream flowing');
    await videoKeepsPlaying(vic.page, tile('Bob'));
    expect((await attackReport()).withheld).toBeGreaterThan(20);
    await attack({ action: 'clear' });

    await alice.page.getByTestId('e2ee-toggle').click();
    for (const person of [alice, bob, vic])
      await waitFor(
        () => e2eeState(person.page),
        (s) => s === 'on',
        'encryption on',
        // MLS in three browsers: slow when the machine is shared by several test runs.
        60_000,
      );
    await videoKeepsPlaying(vic.page, tile('Alice'));
    await videoKeepsPlaying(vic.page, tile('Bob'));

    // 1. Alice's camera frames are sent to Vic on Bob's camera m-line; Bob's own are withheld.
    await attack({ action: 'reattribute', victim: vicId, target: bobId, from: aliceId, source: 'camera' });
    const foreignAtStart = (
      await waitFor(
        () => workerStats(vic.page),
        (s) => s.drops.foreign >= 10,
        "Alice's frames arriving on Bob's receiver",
      )
    ).drops.foreign;
    const bobFramesBefore = await framesShown(vic.page, tile('Bob'));
    await waitFor(
      () => workerStats(vic.page),
      (s) => s.drops.foreign >= foreignAtStart + 30,
      'more moved frames dropped',
      // A fake camera on a loaded machine may send only a few frames a second.
      30_000,
    );
    // Not one of the moved frames reached the decoder of Bob's tile…
    expect(await framesShown(vic.page, tile('Bob'))).toBe(bobFramesBefore);
    // …while Alice's own tile kept playing, and the SFU really sent the moved stream.
    await videoKeepsPlaying(vic.page, tile('Alice'));
    const moved = await attackReport();
    // Each dropped frame came in at least one moved packet.
    expect(moved.injected).toBeGreaterThanOrEqual(foreignAtStart + 30);
    expect(moved.withheld).toBeGreaterThan(0);

    // The SFU behaves again: Bob's tile plays again (the receiver asks for a key frame).
    await attack({ action: 'clear' });
    await videoKeepsPlaying(vic.page, tile('Bob'));

    // 2. The SFU records 45 of Alice's frames (Vic receives them as usual), then cuts Alice's live
    // stream to Vic and loops the recording with fresh RTP sequence numbers and timestamps.
    await attack({ action: 'replay', victim: vicId, target: aliceId, source: 'camera', frames: 45 });
    const replayedAtStart = (
      await waitFor(
        () => workerStats(vic.page),
        (s) => s.drops.replayed >= 10,
        'replayed frames arriving',
        20_000,
      )
    ).drops.replayed;
    const aliceFramesBefore = await framesShown(vic.page, tile('Alice'));
    await waitFor(
      () => workerStats(vic.page),
      (s) => s.drops.replayed >= replayedAtStart + 30,
      'more replayed frames dropped',
      30_000,
    );
    expect(await framesShown(vic.page, tile('Alice'))).toBe(aliceFramesBefore);
    await videoKeepsPlaying(vic.page, tile('Bob'));
    const replayed = await attackReport();
    expect(replayed.recordedFrames).toBe(45);
    expect(replayed.injected).toBeGreaterThanOrEqual(replayedAtStart + 30);

    await attack({ action: 'clear' });
    await videoKeepsPlaying(vic.page, tile('Alice'));
  });
});
